import Foundation

/// Follows matching of a freshly loaded data set to its end, by whichever workers run it (in this
/// process or in a matchd), then has the market-wide assignment mark the recommended suggestions.
public struct DemoMatching: Sendable {
    /// A follower reading through `pool`.
    public init() {}

    /// Why matching did not finish.
    public struct Unfinished: Error, CustomStringConvertible {
        /// Jobs still waiting or running.
        public var waiting: Int
        /// What to do.
        public var description: String {
            "matching did not finish: \(waiting) job(s) still waiting; is a matchd or are the workers running? (`matchctl queues`)"
        }
    }

    /// Jobs of the matching queue still to run: waiting, running, or due within a few seconds (a
    /// job scheduled far ahead, such as tomorrow's periodic assignment, is not matching's work now).
    public func waiting(on pool: PostgresPool) async throws -> Int {
        try await pool.query("""
            SELECT count(*) AS n FROM jobs
            WHERE queue = \(MatchingJobs.queue)
              AND (state IN ('available', 'running')
                   OR (state IN ('scheduled', 'retryable') AND scheduled_at < now() + interval '10 seconds'))
            """)[0].decode(Int.self, "n")
    }

    /// Waits until no matching work is left, reporting `done` of the most seen; throws after `timeout`.
    public func settle(pool: PostgresPool, timeout: Duration = .seconds(600),
                       progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var most = 0
        while true {
            let left = try await waiting(on: pool)
            most = max(most, left)
            progress(most - left, most)
            if left == 0 { return }
            guard clock.now < deadline else { throw Unfinished(waiting: left) }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Enqueues the assignment (it verifies every förbund's suggestions first) and waits for it.
    public func assign(pool: PostgresPool, timeout: Duration = .seconds(600)) async throws {
        try await pool.withTransaction { tx in
            _ = try await JobQueue().enqueue(try JobInsert(MarketRebalanceJob.self, .init(), priority: 4,
                                                           meta: JobMeta(actor: DemoLoader.actor)), in: tx)
        }
        try await settle(pool: pool, timeout: timeout)
    }
}
