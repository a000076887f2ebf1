import Foundation

/// The hourly job that forgets `Idempotency-Key`s past their retention.
public enum IdempotencyPruneJob: JobKind {
    /// No arguments.
    public struct Arguments: Codable, Sendable {
        /// None.
        public init() {}
    }
    public static let name = "maintenance.idempotency_prune"
    public static let queue = "default"

    /// Its schedule: at minute 17 of every hour, unique per tick.
    public static func periodic() throws -> PeriodicJob {
        PeriodicJob(name: name, schedule: try CronSchedule("17 * * * *"), job: try JobInsert(Self.self, Arguments()))
    }
}

/// Works `IdempotencyPruneJob`.
public struct IdempotencyPruneWorker: JobWorker {
    public typealias Kind = IdempotencyPruneJob
    let pool: PostgresPool

    /// A worker that prunes through `pool`.
    public init(pool: PostgresPool) { self.pool = pool }

    public func work(_ arguments: IdempotencyPruneJob.Arguments, context: JobContext) async throws -> JobOutcome {
        let pruned = try await pool.withConnection { try await IdempotencyStore().prune(on: $0) }
        context.logger.info("pruned idempotency keys", metadata: ["count": "\(pruned)"])
        return .complete
    }
}
