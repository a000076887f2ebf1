import Foundation

/// Open offers bucketed by a grid of cells (about 11 × 11 km in Sweden), so a participant is
/// matched against the offers within reach of home, and remote ones, without scanning them all.
/// The index only narrows by place: every candidate still goes through all constraints.
public struct OfferIndex: Sendable {
    /// Cell height in degrees of latitude.
    static let cellLatitude = 0.1
    /// Cell width in degrees of longitude (about the same distance at Swedish latitudes).
    static let cellLongitude = 0.2

    struct Cell: Hashable {
        var row: Int
        var column: Int
    }

    private var cells: [Cell: [Int]] = [:]
    private var remote: [Int] = []
    /// Every offer, in the order given.
    public private(set) var offers: [MatchOffer]

    /// An index over `offers`.
    public init(_ offers: [MatchOffer]) {
        self.offers = offers
        for (index, offer) in offers.enumerated() {
            if offer.offer.fields.remotePossible {
                remote.append(index)
            } else {
                cells[Self.cell(offer.offer.fields.workplaceLatitude, offer.offer.fields.workplaceLongitude), default: []].append(index)
            }
        }
    }

    static func cell(_ latitude: Double, _ longitude: Double) -> Cell {
        Cell(row: Int((latitude / cellLatitude).rounded(.down)), column: Int((longitude / cellLongitude).rounded(.down)))
    }

    /// The offers that could be within `radiusKm` (great-circle) of a point, and every remote one,
    /// in the index's order.
    public func candidates(latitude: Double, longitude: Double, radiusKm: Double) -> [MatchOffer] {
        let kmPerDegreeLatitude = 111.0
        let kmPerDegreeLongitude = max(1, 111.32 * cos(latitude * .pi / 180))
        let rows = Int((radiusKm / kmPerDegreeLatitude / Self.cellLatitude).rounded(.up))
        let columns = Int((radiusKm / kmPerDegreeLongitude / Self.cellLongitude).rounded(.up))
        let centre = Self.cell(latitude, longitude)
        var found = remote
        for row in (centre.row - rows)...(centre.row + rows) {
            for column in (centre.column - columns)...(centre.column + columns) {
                found.append(contentsOf: cells[Cell(row: row, column: column)] ?? [])
            }
        }
        return found.sorted().map { offers[$0] }
    }
}

extension PairMatcher {
    /// A participant's best offers, evaluating only the offers within commute reach (and remote
    /// ones). Gives the same suggestions as scanning every offer; when none passes, it scans them
    /// all so the nearest misses are the same too.
    public func match(_ participant: Participant, index: OfferIndex, supports: [SupportDefinition], today: CalendarDate,
                      waitingDays: Int) -> Outcome {
        let person = participant.fields
        // Great-circle reach: the commute limit is on distance × detour factor.
        let reach = constraints.maxCommuteKm(person) / constraints.detourFactor
        let nearby = index.candidates(latitude: person.homeLatitude, longitude: person.homeLongitude, radiusKm: reach)
        let outcome = match(participant, offers: nearby, supports: supports, today: today, waitingDays: waitingDays)
        guard outcome.suggestions.isEmpty else { return outcome }
        return match(participant, offers: index.offers, supports: supports, today: today, waitingDays: waitingDays)
    }
}
