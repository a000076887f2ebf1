import Foundation
import Logging

/// A job enqueued on a cron schedule by the leading daemon, each tick exactly once even with
/// several daemons: a tick is claimed in `queue_periodic_ticks` in the transaction that enqueues it.
public struct PeriodicJob: Sendable {
    /// A name unique among periodic jobs.
    public var name: String
    /// When it runs.
    public var schedule: CronSchedule
    /// The job to enqueue at each tick.
    public var job: JobInsert

    /// A periodic job.
    public init(name: String, schedule: CronSchedule, job: JobInsert) {
        self.name = name
        self.schedule = schedule
        self.job = job
    }
}

/// Enqueues the periodic jobs whose ticks are due.
public struct PeriodicScheduler: Sendable {
    let jobs: [PeriodicJob]
    let queue: JobQueue
    let startedAt: Date

    /// A scheduler for `jobs`; ticks before `startedAt` are not enqueued unless a tick of the same
    /// job was recorded before (then the most recent missed tick is, once).
    public init(jobs: [PeriodicJob], queue: JobQueue) {
        self.jobs = jobs
        self.queue = queue
        self.startedAt = queue.clock.now()
    }

    /// Enqueues each job's most recent due tick not yet claimed; returns the ids enqueued.
    public func runOnce(pool: PostgresPool) async throws -> [Int64] {
        let now = queue.clock.now()
        var enqueued: [Int64] = []
        for periodic in jobs {
            let last = try await pool.query("SELECT max(tick_at) AS last FROM queue_periodic_ticks WHERE name = \(periodic.name)")[0]
                .decode(Date?.self, "last")
            let since = last ?? startedAt
            // Missed ticks (a daemon was down) coalesce into the latest one.
            guard let tick = periodic.schedule.firings(after: since, upTo: now).last else { continue }
            let id: Int64? = try await pool.withTransaction { transaction in
                let claimed = try await transaction.query("""
                    INSERT INTO queue_periodic_ticks (name, tick_at) VALUES (\(periodic.name), \(tick))
                    ON CONFLICT DO NOTHING RETURNING name
                    """)
                guard !claimed.isEmpty else { return nil }
                guard case .inserted(let id) = try await queue.enqueue(periodic.job, in: transaction) else { return nil }
                try await transaction.execute("""
                    UPDATE queue_periodic_ticks SET job_id = \(id) WHERE name = \(periodic.name) AND tick_at = \(tick)
                    """)
                return id
            }
            if let id { enqueued.append(id) }
        }
        return enqueued
    }
}
