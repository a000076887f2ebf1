import Foundation
import Logging

/// A kind of job: its name, its queue and its arguments. Arguments carry ids, never personal data.
public protocol JobKind: Sendable {
    /// The job's arguments, stored as jsonb.
    associatedtype Arguments: Codable & Sendable
    /// The kind's name in the jobs table (e.g. `match.offer`).
    static var name: String { get }
    /// The queue it runs on by default.
    static var queue: String { get }
}

/// Who caused a job, carried into its context for the audit log.
public struct JobMeta: Codable, Sendable, Hashable {
    /// The actor (a user, a token or `system`) that caused the job.
    public var actor: String?
    /// The request that caused it.
    public var requestID: String?

    /// Metadata naming an actor and a request.
    public init(actor: String? = nil, requestID: String? = nil) {
        self.actor = actor
        self.requestID = requestID
    }

    enum CodingKeys: String, CodingKey {
        case actor
        case requestID = "request_id"
    }
}

/// What a worker tells the queue besides succeeding or throwing.
public enum JobOutcome: Sendable, Equatable {
    /// Done.
    case complete
    /// Run again after `seconds`, without using up an attempt.
    case snooze(seconds: Int)
    /// Give up now; no retries.
    case discard(reason: String)
    /// Stop: the job is no longer wanted.
    case cancel(reason: String)
}

/// What a running job knows about itself.
public struct JobContext: Sendable {
    /// The job's id.
    public let jobID: Int64
    /// The job's kind.
    public let kind: String
    /// This attempt's number, from 1.
    public let attempt: Int
    /// How many attempts the job has.
    public let maxAttempts: Int
    /// Who caused the job.
    public let meta: JobMeta
    /// A logger with the job's id and kind attached.
    public let logger: Logger
    let followUps: FollowUps
    /// The daemon running it (nil outside the queue).
    var daemon: String? = nil

    /// A context for running a worker by hand, outside the queue (`matchctl bench verify`): its
    /// follow-ups go nowhere, so only workers that enqueue in their own transaction belong here.
    public static func outsideQueue(kind: String, meta: JobMeta, logger: Logger) -> JobContext {
        JobContext(jobID: 0, kind: kind, attempt: 1, maxAttempts: 1, meta: meta, logger: logger, followUps: FollowUps())
    }

    /// Completes the job in `transaction`, for a worker whose work must be recorded as done in the
    /// same commit as the job (the runtime's own completion then finds it done); false when this
    /// attempt no longer holds the job (its lease lapsed and another daemon took it).
    @discardableResult
    public func complete(in transaction: PostgresTransaction) async throws -> Bool {
        guard let daemon else { return true }
        return try await transaction.execute("""
            UPDATE jobs SET state = 'completed', finalized_at = now(), lease_expires_at = NULL
            WHERE id = \(jobID) AND state = 'running' AND attempted_by = \(daemon)
            """) == 1
    }

    /// Enqueues a job that is inserted in the same transaction that records this job's result.
    public func enqueue(_ job: JobInsert) {
        followUps.add(job)
    }
}

/// A worker for one kind of job.
public protocol JobWorker: Sendable {
    /// The kind it works.
    associatedtype Kind: JobKind
    /// Runs one job; a throw is a failure that is retried with backoff.
    func work(_ arguments: Kind.Arguments, context: JobContext) async throws -> JobOutcome
}

/// The built-in no-op job, for checks and benchmarks.
public enum NoopJob: JobKind {
    /// Its arguments: an optional time to sleep.
    public struct Arguments: Codable, Sendable {
        /// Milliseconds to sleep before completing.
        public var sleepMilliseconds: Int?
        /// Arguments that sleep for `sleepMilliseconds`.
        public init(sleepMilliseconds: Int? = nil) { self.sleepMilliseconds = sleepMilliseconds }
        enum CodingKeys: String, CodingKey { case sleepMilliseconds = "sleep_ms" }
    }

    public static let name = "noop"
    public static let queue = "default"
}

/// Works `noop` jobs: sleeps if asked, then completes.
public struct NoopWorker: JobWorker {
    public typealias Kind = NoopJob
    /// A no-op worker.
    public init() {}
    public func work(_ arguments: NoopJob.Arguments, context: JobContext) async throws -> JobOutcome {
        if let sleep = arguments.sleepMilliseconds, sleep > 0 { try await Task.sleep(for: .milliseconds(sleep)) }
        return .complete
    }
}
