import Foundation
import Metrics

/// Verifies a förbund's matching and repairs what differs by enqueuing match jobs for both keys of
/// every missing or extra pair. It never writes suggestions itself: the jobs decide, by the rule,
/// as they always do.
public struct MatchingRepair: Sendable {
    /// What a repair found and did.
    public struct Outcome: Sendable {
        /// The verification.
        public var report: MatchingVerifier.Report
        /// Match jobs enqueued (before merging into waiting ones).
        public var jobs: Int
    }

    let matcher: PairMatcher

    /// A repair verifying with `matcher`'s rule.
    public init(matcher: PairMatcher = PairMatcher()) {
        self.matcher = matcher
    }

    /// Verifies `forbundID` as of `at` and enqueues the repairs under `meta`; counts the pairs found
    /// in `lotsen_matching_verify_pairs_total{kind=missing|extra|stale}`.
    public func run(forbundID: UUID, at: Date, pool: PostgresPool, meta: JobMeta) async throws -> Outcome {
        let report = try await MatchingVerifier(matcher: matcher).verify(forbundID: forbundID, at: at, actor: MatchingActor.name,
                                                                          reason: "match verify", pool: pool)
        Counter(label: "lotsen_matching_verify_pairs_total", dimensions: [("kind", "missing")]).increment(by: report.missing.count)
        Counter(label: "lotsen_matching_verify_pairs_total", dimensions: [("kind", "extra")]).increment(by: report.extra.count)
        Counter(label: "lotsen_matching_verify_pairs_total", dimensions: [("kind", "stale")]).increment(by: report.staleCount)
        let differing = report.missing + report.extra
        let participants = Set(differing.map(\.participantID)).sorted { IDOrder($0) < IDOrder($1) }
        let offers = Set(differing.map(\.offerID)).sorted { IDOrder($0) < IDOrder($1) }
        let jobs = try participants.map { try MatchingJobs.participant($0, forbundID: forbundID, meta: meta) }
            + offers.map { try MatchingJobs.offer($0, forbundID: forbundID, meta: meta) }
        try await pool.withTransaction { try await MatchingJobs.enqueue(jobs, in: $0) }
        return Outcome(report: report, jobs: jobs.count)
    }
}
