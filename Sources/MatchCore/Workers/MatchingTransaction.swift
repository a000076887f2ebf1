import Foundation

/// How a matching job runs: one transaction that holds its förbund's matching lock, retried when
/// PostgreSQL breaks a deadlock or a serialization conflict. See `MatchingRules.md`.
enum MatchingTransaction {
    /// The first key of the transaction-level advisory lock ("Lot"); the second is the förbund's hash.
    static let lockClass: Int32 = 0x4C6F74

    /// Attempts before a deadlock is left to the queue's retry with backoff.
    static let attempts = 5

    /// Runs `body` in a transaction that first takes the förbund's matching lock. Matching jobs of
    /// one förbund therefore run one at a time, each reading after the previous one committed; two
    /// förbund whose hashes collide merely share a lock. A deadlock (40P01) or serialization failure
    /// (40001) rolls the whole transaction back and runs it again from its first read.
    /// `lotsen_matching_duration_seconds{kind}` times the matching itself, from the lock to the end
    /// of the body; the wait for the lock is the queue's and the lock's, not matching's.
    static func run<T: Sendable>(pool: PostgresPool, forbundID: UUID, kind: MatchingMetrics.Kind,
                                 _ body: @Sendable (PostgresTransaction) async throws -> T) async throws -> T {
        try await pool.withRetriedTransaction(attempts: attempts) { tx in
            try await tx.execute("""
                SELECT pg_advisory_xact_lock(\(lockClass), hashtext(\(forbundID.uuidString.lowercased())))
                """)
            let started = ContinuousClock.now
            defer { MatchingMetrics.record(kind, since: started) }
            return try await body(tx)
        }
    }
}

/// Test hooks of the matching workers; production passes none.
public struct MatchingHooks: Sendable {
    /// Called when a job has read what it matches and before it writes anything, with the job's
    /// kind and target: a test pauses here to drive a race to its bad interleaving.
    public var betweenReadAndWrite: (@Sendable (_ kind: String, _ target: MatchingJobs.Target) async -> Void)?

    /// Hooks; none by default.
    public init(betweenReadAndWrite: (@Sendable (_ kind: String, _ target: MatchingJobs.Target) async -> Void)? = nil) {
        self.betweenReadAndWrite = betweenReadAndWrite
    }
}

/// The name matching acts under in the audit log and suggestion history.
enum MatchingActor {
    static let name = "system:matching"
}
