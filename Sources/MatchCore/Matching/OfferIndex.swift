import Foundation

/// Open offers, prepared once and bucketed by a grid of cells (about 11 × 11 km in Sweden), so a
/// participant is matched against the offers within reach of home, and remote ones, without
/// scanning them all. The index only narrows by place: every candidate still goes through all
/// constraints. It can be changed offer by offer, as matchd does when an offer changes.
public struct OfferIndex: Sendable {
    /// Cell height in degrees of latitude.
    static let cellLatitude = 0.1
    /// Cell width in degrees of longitude (about the same distance at Swedish latitudes).
    static let cellLongitude = 0.2

    struct Cell: Hashable {
        var row: Int
        var column: Int
    }

    private var byID: [UUID: PreparedOffer] = [:]
    private var cells: [Cell: [PreparedOffer]] = [:]
    private var remote: [PreparedOffer] = []

    /// An index over `offers`.
    public init(_ offers: [MatchOffer] = []) {
        byID.reserveCapacity(offers.count)
        for offer in offers { upsert(offer) }
    }

    /// How many offers the index holds.
    public var count: Int { byID.count }

    /// Every offer, by id.
    public var offers: [MatchOffer] { byID.values.map(\.source).sorted { $0.offer.id.uuidString < $1.offer.id.uuidString } }

    /// The offer with this id, if held.
    public func offer(_ id: UUID) -> MatchOffer? { byID[id]?.source }

    /// The offer with this id as the index prepared it, if held.
    func prepared(_ id: UUID) -> PreparedOffer? { byID[id] }

    /// Adds the offer, or replaces the one with its id.
    public mutating func upsert(_ offer: MatchOffer) {
        remove(offer.offer.id)
        let prepared = PreparedOffer(offer)
        byID[offer.offer.id] = prepared
        if prepared.remote {
            remote.append(prepared)
        } else {
            cells[Self.cell(prepared.latitude, prepared.longitude), default: []].append(prepared)
        }
    }

    /// Removes the offer with this id, if held.
    public mutating func remove(_ id: UUID) {
        guard let prepared = byID.removeValue(forKey: id) else { return }
        if prepared.remote {
            remote.removeAll { $0 === prepared }
        } else {
            let cell = Self.cell(prepared.latitude, prepared.longitude)
            cells[cell]?.removeAll { $0 === prepared }
            if cells[cell]?.isEmpty == true { cells[cell] = nil }
        }
    }

    static func cell(_ latitude: Double, _ longitude: Double) -> Cell {
        Cell(row: Int((latitude / cellLatitude).rounded(.down)), column: Int((longitude / cellLongitude).rounded(.down)))
    }

    /// The offers that could be within `radiusKm` (great-circle) of a point, and every remote one,
    /// as groups to be read one after the other.
    func candidates(latitude: Double, longitude: Double, radiusKm: Double) -> [[PreparedOffer]] {
        let kmPerDegreeLatitude = 111.0
        let kmPerDegreeLongitude = max(1, 111.32 * cos(latitude * GreatCircle.radians))
        let rows = Int((radiusKm / kmPerDegreeLatitude / Self.cellLatitude).rounded(.up))
        let columns = Int((radiusKm / kmPerDegreeLongitude / Self.cellLongitude).rounded(.up))
        let centre = Self.cell(latitude, longitude)
        var found = [remote]
        // A reach wider than the grid that holds offers visits the occupied cells instead of every cell.
        if (2 * rows + 1) * (2 * columns + 1) > cells.count {
            for (cell, offers) in cells where abs(cell.row - centre.row) <= rows && abs(cell.column - centre.column) <= columns {
                found.append(offers)
            }
            return found
        }
        for row in (centre.row - rows)...(centre.row + rows) {
            for column in (centre.column - columns)...(centre.column + columns) {
                if let offers = cells[Cell(row: row, column: column)] { found.append(offers) }
            }
        }
        return found
    }

    /// Every offer, in groups, in no particular order.
    var everyGroup: [[PreparedOffer]] { [remote] + Array(cells.values) }

    /// Every offer in groups, nearest first, each with a lower bound on the great-circle distance
    /// from the point to any offer in it (remote offers first, at 0): a search for the nearest
    /// misses can stop once the bound passes what it has found.
    func groupsByDistance(latitude: Double, longitude: Double) -> [OfferGroup] {
        var groups = [OfferGroup(lowerBoundKm: 0, offers: remote)]
        groups.reserveCapacity(cells.count + 1)
        for (cell, offers) in cells {
            groups.append(OfferGroup(lowerBoundKm: Self.lowerBoundKm(latitude, longitude, cell), offers: offers))
        }
        groups.sort { $0.lowerBoundKm < $1.lowerBoundKm }
        return groups
    }

    /// A lower bound on the great-circle distance from a point to any point of a cell, from the
    /// haversine with the smallest latitude and longitude gaps and the cell's largest latitude.
    static func lowerBoundKm(_ latitude: Double, _ longitude: Double, _ cell: Cell) -> Double {
        let south = Double(cell.row) * cellLatitude, north = south + cellLatitude
        let west = Double(cell.column) * cellLongitude, east = west + cellLongitude
        let latitudeGap = latitude < south ? south - latitude : latitude > north ? latitude - north : 0
        var longitudeGap = longitude < west ? west - longitude : longitude > east ? longitude - east : 0
        longitudeGap = min(longitudeGap, 180)
        let farthestFromEquator = min(90, max(abs(south), abs(north)))
        let r = GreatCircle.radians
        let a = sin(latitudeGap * r / 2) * sin(latitudeGap * r / 2)
            + cos(latitude * r) * cos(farthestFromEquator * r) * sin(longitudeGap * r / 2) * sin(longitudeGap * r / 2)
        // A hair below the bound, so rounding never puts it above a true distance.
        return max(0, 6371.0088 * 2 * atan2(min(1, a).squareRoot(), max(0, 1 - a).squareRoot()) * (1 - 1e-9) - 1e-6)
    }
}

/// Offers read together, with a lower bound on their distance from the participant.
struct OfferGroup {
    let lowerBoundKm: Double
    let offers: [PreparedOffer]
}
