import Foundation

/// The daily job that deletes events dispatched more than `EventLog.retention` ago.
public enum EventPruneJob: JobKind {
    /// No arguments.
    public struct Arguments: Codable, Sendable {
        /// None.
        public init() {}
    }
    public static let name = "maintenance.events_prune"
    public static let queue = "default"

    /// Its schedule: at 03:41 every day, unique per tick.
    public static func periodic() throws -> PeriodicJob {
        PeriodicJob(name: name, schedule: try CronSchedule("41 3 * * *"), job: try JobInsert(Self.self, Arguments()))
    }
}

/// Works `EventPruneJob`.
public struct EventPruneWorker: JobWorker {
    public typealias Kind = EventPruneJob
    let pool: PostgresPool

    /// A worker that prunes through `pool`.
    public init(pool: PostgresPool) { self.pool = pool }

    public func work(_ arguments: EventPruneJob.Arguments, context: JobContext) async throws -> JobOutcome {
        let pruned = try await pool.withConnection { try await EventLog().prune(on: $0) }
        context.logger.info("pruned dispatched events", metadata: ["count": "\(pruned)"])
        return .complete
    }
}
