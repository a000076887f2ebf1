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

    /// Offers by slot; a removed offer leaves an empty slot that the next insert reuses.
    private(set) var slots: [PreparedOffer?] = []
    private var slotOfID: [UUID: Int] = [:]
    private var freeSlots: [Int] = []
    private var cells: [Cell: [Int]] = [:]
    private var remote: Set<Int> = []

    /// An index over `offers`.
    public init(_ offers: [MatchOffer] = []) {
        slots.reserveCapacity(offers.count)
        for offer in offers { upsert(offer) }
    }

    /// How many offers the index holds.
    public var count: Int { slotOfID.count }

    /// Every offer, in slot order.
    public var offers: [MatchOffer] { slots.compactMap { $0?.source } }

    /// The offer with this id, if held.
    public func offer(_ id: UUID) -> MatchOffer? { slotOfID[id].flatMap { slots[$0]?.source } }

    /// Adds the offer, or replaces the one with its id.
    public mutating func upsert(_ offer: MatchOffer) {
        remove(offer.offer.id)
        let prepared = PreparedOffer(offer)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = prepared
        } else {
            slot = slots.count
            slots.append(prepared)
        }
        slotOfID[offer.offer.id] = slot
        if prepared.remote {
            remote.insert(slot)
        } else {
            cells[Self.cell(prepared.latitude, prepared.longitude), default: []].append(slot)
        }
    }

    /// Removes the offer with this id, if held.
    public mutating func remove(_ id: UUID) {
        guard let slot = slotOfID.removeValue(forKey: id), let prepared = slots[slot] else { return }
        if prepared.remote {
            remote.remove(slot)
        } else {
            let cell = Self.cell(prepared.latitude, prepared.longitude)
            cells[cell]?.removeAll { $0 == slot }
            if cells[cell]?.isEmpty == true { cells[cell] = nil }
        }
        slots[slot] = nil
        freeSlots.append(slot)
    }

    static func cell(_ latitude: Double, _ longitude: Double) -> Cell {
        Cell(row: Int((latitude / cellLatitude).rounded(.down)), column: Int((longitude / cellLongitude).rounded(.down)))
    }

    /// The slots of the offers that could be within `radiusKm` (great-circle) of a point, and of
    /// every remote one.
    func candidates(latitude: Double, longitude: Double, radiusKm: Double) -> [Int] {
        let kmPerDegreeLatitude = 111.0
        let kmPerDegreeLongitude = max(1, 111.32 * cos(latitude * GreatCircle.radians))
        let rows = Int((radiusKm / kmPerDegreeLatitude / Self.cellLatitude).rounded(.up))
        let columns = Int((radiusKm / kmPerDegreeLongitude / Self.cellLongitude).rounded(.up))
        let centre = Self.cell(latitude, longitude)
        var found = Array(remote)
        // A reach wider than the grid that holds offers visits the occupied cells instead of every cell.
        if (2 * rows + 1) * (2 * columns + 1) > cells.count {
            for (cell, slots) in cells where abs(cell.row - centre.row) <= rows && abs(cell.column - centre.column) <= columns {
                found.append(contentsOf: slots)
            }
            return found
        }
        for row in (centre.row - rows)...(centre.row + rows) {
            for column in (centre.column - columns)...(centre.column + columns) {
                if let slots = cells[Cell(row: row, column: column)] { found.append(contentsOf: slots) }
            }
        }
        return found
    }
}
