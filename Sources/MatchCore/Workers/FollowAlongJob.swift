import Foundation

/// The daily job that raises the follow-along's due and overdue check-ins (`FollowAlongStore.raise`)
/// in every förbund, each förbund in its own transaction.
public enum FollowAlongJob: JobKind {
    /// No arguments: every förbund.
    public struct Arguments: Codable, Sendable {
        /// None.
        public init() {}
    }
    public static let name = "follow_along.raise"
    public static let queue = "default"

    /// Daily at 06:05, Stockholm time: before the working day, after midnight's date change.
    public static func periodic() throws -> PeriodicJob {
        PeriodicJob(name: name, schedule: try CronSchedule("5 6 * * *"), job: try JobInsert(Self.self, Arguments()))
    }
}

/// Works `FollowAlongJob` on Sweden's date by `clock`.
public struct FollowAlongWorker: JobWorker {
    public typealias Kind = FollowAlongJob
    let pool: PostgresPool
    let store: FollowAlongStore
    let clock: any JobClock

    /// A worker following `plan`, on `clock`'s date (tests inject one).
    public init(pool: PostgresPool, plan: FollowAlongPlan, clock: any JobClock = SystemJobClock()) {
        self.pool = pool
        self.store = FollowAlongStore(plan: plan)
        self.clock = clock
    }

    public func work(_ arguments: FollowAlongJob.Arguments, context: JobContext) async throws -> JobOutcome {
        let raised = try await run(today: CalendarDate.inSweden(clock.now()))
        context.logger.info("follow-along raised", metadata: ["due": "\(raised.due)", "overdue": "\(raised.overdue)"])
        return .complete
    }

    /// Raises every förbund's check-ins as of `today`; returns the totals.
    public func run(today: CalendarDate) async throws -> FollowAlongStore.Raised {
        var total = FollowAlongStore.Raised()
        for forbundID in try await pool.withConnection({ try await store.forbundToRaise(today: today, on: $0) }) {
            let raised = try await pool.withRetriedTransaction { tx in try await store.raise(forbundID: forbundID, today: today, in: tx) }
            total.due += raised.due
            total.overdue += raised.overdue
        }
        return total
    }
}
