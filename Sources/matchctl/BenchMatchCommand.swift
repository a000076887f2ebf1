import ArgumentParser
import Foundation
import MatchCore

/// `matchctl bench match`: matching on a generated market (no database), with the full scan of
/// every offer as the baseline for matching one participant.
struct BenchMatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match", abstract: "Time matching one participant, a full rematch and the assignment on generated data.")
    @Option(help: "Open offers.") var offers = 20_000
    @Option(help: "Seeking participants (all are rematched).") var participants = 50_000
    @Option(help: "Participants timed one by one.") var sample = 500
    @Option(help: "Participants in the assignment's market.") var assignmentParticipants = 5_000
    @Option(help: "The generator's seed.") var seed: UInt64 = 2026
    @Flag(help: "Print JSON.") var json = false

    struct Figures: Encodable {
        var matchOneP50Ms: Double, matchOneP99Ms: Double, matchOneFullScanP50Ms: Double, indexSpeedup: Double
        var fullRematchS: Double, assignmentS: Double, assignmentParticipants: Int, assignmentEdges: Int, peakRssMb: Double
        enum CodingKeys: String, CodingKey {
            case matchOneP50Ms = "match_one_p50_ms", matchOneP99Ms = "match_one_p99_ms"
            case matchOneFullScanP50Ms = "match_one_full_scan_p50_ms", indexSpeedup = "index_speedup"
            case fullRematchS = "full_rematch_s", assignmentS = "assignment_s", assignmentParticipants = "assignment_participants"
            case assignmentEdges = "assignment_edges", peakRssMb = "peak_rss_mb"
        }
    }

    func run() async throws {
        var generator = MarketGenerator(seed: seed)
        let market = generator.offers(offers)
        let people = generator.participants(participants)
        let supports = try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data).map(\.definition)
        let today = CalendarDate(year: 2026, month: 12, day: 1)!
        let matcher = PairMatcher()
        let index = OfferIndex(market)
        let clock = ContinuousClock()
        func milliseconds(_ duration: Duration) -> Double { duration.inSeconds * 1000 }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
        }

        let timed = people.prefix(sample)
        let indexed = timed.map { person in
            milliseconds(clock.measure { _ = matcher.match(person, index: index, supports: supports, today: today, waitingDays: 30) })
        }
        let scanned = timed.prefix(max(1, sample / 10)).map { person in
            milliseconds(clock.measure { _ = matcher.matchScanningEveryOffer(person, index: index, supports: supports, today: today, waitingDays: 30) })
        }

        var suggestions: [[SuggestedPair]] = []
        let rematch = clock.measure {
            suggestions = people.map { matcher.match($0, index: index, supports: supports, today: today, waitingDays: 30).suggestions }
        }

        let offerIndex = Dictionary(market.enumerated().map { ($1.offer.id, $0) }, uniquingKeysWith: { a, _ in a })
        var edges: [MarketAssignment.Edge] = []
        for (p, pairs) in suggestions.prefix(assignmentParticipants).enumerated() {
            for pair in pairs {
                edges.append(.init(participant: p, offer: offerIndex[pair.offerID]!, weight: Int((pair.score.total * MarketAssignment.scale).rounded())))
            }
        }
        let assignment = clock.measure {
            _ = MarketAssignment.solve(participants: min(assignmentParticipants, people.count),
                                       capacities: market.map(\.positionsLeft), edges: edges)
        }
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let p50 = percentile(indexed, 0.5)
        let full = percentile(scanned, 0.5)
        let figures = Figures(matchOneP50Ms: p50, matchOneP99Ms: percentile(indexed, 0.99), matchOneFullScanP50Ms: full,
                              indexSpeedup: full / max(p50, 1e-9), fullRematchS: rematch.inSeconds, assignmentS: assignment.inSeconds,
                              assignmentParticipants: min(assignmentParticipants, people.count), assignmentEdges: edges.count,
                              peakRssMb: Double(usage.ru_maxrss) / 1024)
        if json { return try Output.json(figures) }
        print(String(format: "match one participant (%d offers): p50 %.3f ms, p99 %.3f ms; full scan p50 %.3f ms (index %.1fx)",
                     offers, figures.matchOneP50Ms, figures.matchOneP99Ms, full, figures.indexSpeedup))
        print(String(format: "full rematch of %d participants: %.1f s", participants, figures.fullRematchS))
        print(String(format: "assignment over %d participants, %d suggestions: %.2f s", figures.assignmentParticipants, edges.count,
                     figures.assignmentS))
        print(String(format: "peak RSS: %.0f MB", figures.peakRssMb))
    }
}
