import ArgumentParser
import Foundation
import MatchCore

/// `matchctl bench match`: matching on a generated market (no database), with the scan of every
/// prepared offer as the baseline for matching one participant, and optionally scipy as the
/// baseline for the assignment.
struct BenchMatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match", abstract: "Time matching one participant, a full rematch and the assignment on generated data.")
    @Option(help: "Open offers.") var offers = 20_000
    @Option(help: "Seeking participants (all are rematched).") var participants = 50_000
    @Option(help: "Participants timed one by one.") var sample = 500
    @Option(help: "Participants in the sub-instance solved by both Lotsen and the reference solver.")
    var referenceParticipants = 5_000
    @Option(help: "A Python with scipy: times scipy's sparse assignment on the sub-instance as the assignment's baseline.")
    var referencePython: String?
    @Option(help: "The reference solver script.") var referenceScript = "Tests/Scripts/assignment_reference.py"
    @Option(help: "The generator's seed.") var seed: UInt64 = 2026
    @Flag(help: "Print JSON.") var json = false

    struct Figures: Encodable {
        var offers: Int, participants: Int, cores: Int
        var matchOneP50Ms: Double, matchOneP99Ms: Double, matchOneFullScanP50Ms: Double, indexSpeedup: Double
        var matchOfferP50Ms: Double
        var fullRematchS: Double, assignmentS: Double, assignmentEdges: Int, assignmentRecommended: Int
        var referenceParticipants: Int, referenceLotsenS: Double?, referenceScipyS: Double?, referenceRatio: Double?
        var referenceTotalsAgree: Bool?
        var peakRssMb: Double
        enum CodingKeys: String, CodingKey {
            case offers, participants, cores
            case matchOneP50Ms = "match_one_p50_ms", matchOneP99Ms = "match_one_p99_ms"
            case matchOneFullScanP50Ms = "match_one_full_scan_p50_ms", indexSpeedup = "index_speedup"
            case matchOfferP50Ms = "match_offer_p50_ms"
            case fullRematchS = "full_rematch_s", assignmentS = "assignment_s", assignmentEdges = "assignment_edges"
            case assignmentRecommended = "assignment_recommended"
            case referenceParticipants = "reference_participants", referenceLotsenS = "reference_lotsen_s"
            case referenceScipyS = "reference_scipy_s", referenceRatio = "reference_ratio"
            case referenceTotalsAgree = "reference_totals_agree"
            case peakRssMb = "peak_rss_mb"
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

        let timed = people.prefix(sample)
        let indexed = timed.map { person in
            clock.measure { _ = matcher.match(person, index: index, supports: supports, today: today, waitingDays: 30) }.milliseconds
        }
        let scanned = timed.prefix(max(1, sample / 10)).map { person in
            clock.measure {
                _ = matcher.matchScanningEveryOffer(person, index: index, supports: supports, today: today, waitingDays: 30)
            }.milliseconds
        }

        // One offer against every participant, as a `match.offer` job does once it has read them.
        let waiting = people.map { ($0, waitingDays: 30) }
        let offerTimes = market.prefix(max(1, sample / 50)).map { offer in
            clock.measure { _ = matcher.match(offer, participants: waiting, supports: supports, today: today) }.milliseconds
        }

        // The full rematch runs on every core, as matchd's matching queue does.
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let started = clock.now
        let offerPosition = Dictionary(market.enumerated().map { ($1.offer.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Each list is kept as the assignment's edges only, so the peak is matching's, not the bench's.
        let suggestions = await withTaskGroup(of: (Int, [[Weighted]]).self) { group in
            let chunk = (people.count + cores - 1) / cores
            for start in stride(from: 0, to: people.count, by: max(1, chunk)) {
                let slice = people[start..<min(people.count, start + chunk)]
                group.addTask {
                    (start, slice.map { person in
                        matcher.match(person, index: index, supports: supports, today: today, waitingDays: 30).suggestions.map {
                            Weighted(offer: offerPosition[$0.offerID]!, weight: Int(($0.score.total * MarketAssignment.scale).rounded()))
                        }
                    })
                }
            }
            var parts: [(Int, [[Weighted]])] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        let rematch = clock.now - started

        func edges(_ lists: ArraySlice<[Weighted]>) -> [MarketAssignment.Edge] {
            lists.enumerated().flatMap { p, pairs in pairs.map { .init(participant: p, offer: $0.offer, weight: $0.weight) } }
        }
        let capacities = market.map(\.positionsLeft)
        let all = edges(suggestions[...])
        var chosen: [Int] = []
        let assignment = clock.measure { chosen = MarketAssignment.solve(participants: people.count, capacities: capacities, edges: all) }

        let sub = edges(suggestions.prefix(referenceParticipants))
        let subParticipants = min(referenceParticipants, people.count)
        var subChosen: [Int] = []
        let subTime = clock.measure { subChosen = MarketAssignment.solve(participants: subParticipants, capacities: capacities, edges: sub) }
        var scipy: (seconds: Double, total: Int)?
        if let referencePython { scipy = try Self.reference(python: referencePython, script: referenceScript, participants: subParticipants,
                                                           capacities: capacities, edges: sub) }
        let subTotal = subChosen.map { sub[$0].weight }.reduce(0, +)

        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let p50 = Self.percentile(indexed, 0.5)
        let full = Self.percentile(scanned, 0.5)
        let figures = Figures(
            offers: offers, participants: participants, cores: cores,
            matchOneP50Ms: p50, matchOneP99Ms: Self.percentile(indexed, 0.99), matchOneFullScanP50Ms: full,
            indexSpeedup: full / max(p50, 1e-9), matchOfferP50Ms: Self.percentile(offerTimes, 0.5), fullRematchS: rematch.inSeconds, assignmentS: assignment.inSeconds,
            assignmentEdges: all.count, assignmentRecommended: chosen.count, referenceParticipants: subParticipants,
            referenceLotsenS: subTime.inSeconds, referenceScipyS: scipy?.seconds,
            referenceRatio: scipy.map { subTime.inSeconds / max($0.seconds, 1e-9) }, referenceTotalsAgree: scipy.map { $0.total == subTotal },
            peakRssMb: Double(usage.ru_maxrss) / 1024)
        if json { return try Output.json(figures) }
        print(String(format: "match one participant (%d offers): p50 %.3f ms, p99 %.3f ms; scan of every offer p50 %.3f ms (index %.1fx)",
                     offers, figures.matchOneP50Ms, figures.matchOneP99Ms, full, figures.indexSpeedup))
        print(String(format: "match one offer against %d participants: p50 %.1f ms", participants, figures.matchOfferP50Ms))
        print(String(format: "full rematch of %d participants on %d cores: %.1f s", participants, cores, figures.fullRematchS))
        print(String(format: "assignment over %d participants, %d suggestions: %.2f s (%d recommended)", participants, all.count,
                     figures.assignmentS, chosen.count))
        if let scipy {
            print(String(format: "sub-instance of %d participants, %d suggestions: Lotsen %.3f s, scipy %.3f s (ratio %.2f), totals %@",
                         subParticipants, sub.count, subTime.inSeconds, scipy.seconds, figures.referenceRatio ?? 0,
                         scipy.total == subTotal ? "agree" : "DIFFER"))
        }
        print(String(format: "peak RSS: %.0f MB", figures.peakRssMb))
    }

    /// A suggestion as the assignment sees it.
    struct Weighted: Sendable {
        var offer: Int
        var weight: Int
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }

    /// scipy's time and total on the same instance, from the reference script's sparse mode.
    static func reference(python: String, script: String, participants: Int, capacities: [Int],
                          edges: [MarketAssignment.Edge]) throws -> (seconds: Double, total: Int) {
        let instance: [String: Any] = ["participants": participants, "capacities": capacities,
                                       "edges": edges.map { [$0.participant, $0.offer, $0.weight] }]
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("lotsen-bench-assignment-\(getpid()).json")
        try JSONSerialization.data(withJSONObject: instance).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let output = try ProcessRunner.run("/bin/sh", ["-c", "\"$0\" \"$1\" --sparse < \"$2\"", python, script, input.path],
                                           asServerUser: false)
        guard let data = output.split(separator: "\n").last.map({ Data($0.utf8) }),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seconds = object["seconds"] as? Double, let total = (object["total"] as? NSNumber)?.intValue else {
            throw CommandFailure("the reference solver printed no result: \(output)")
        }
        return (seconds, total)
    }
}

extension Duration {
    /// In milliseconds.
    var milliseconds: Double { inSeconds * 1000 }
}
