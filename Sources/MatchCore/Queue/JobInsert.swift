import Foundation
import Synchronization

/// A job to enqueue.
public struct JobInsert: Sendable {
    /// The kind's name.
    public var kind: String
    /// The queue.
    public var queue: String
    /// The arguments as JSON text.
    public var argumentsJSON: String
    /// 1 (first) to 4 (last).
    public var priority: Int
    /// How many attempts before the job is discarded.
    public var maxAttempts: Int
    /// When it may run; nil is now.
    public var scheduledAt: Date?
    /// While a job with this key waits, another with it is merged into it.
    public var uniqueKey: String?
    /// Who caused it.
    public var meta: JobMeta

    /// A job of `kind` with `arguments`.
    public init<Kind: JobKind>(_ kind: Kind.Type, _ arguments: Kind.Arguments, queue: String? = nil, priority: Int = 2,
                               maxAttempts: Int = 20, scheduledAt: Date? = nil, uniqueKey: String? = nil,
                               meta: JobMeta = JobMeta()) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.init(kind: Kind.name, argumentsJSON: String(decoding: try encoder.encode(arguments), as: UTF8.self),
                  queue: queue ?? Kind.queue, priority: priority, maxAttempts: maxAttempts, scheduledAt: scheduledAt,
                  uniqueKey: uniqueKey, meta: meta)
    }

    /// A job of a kind given by name, with arguments as JSON text (for operators and scripts).
    public init(kind: String, argumentsJSON: String = "{}", queue: String = "default", priority: Int = 2,
                maxAttempts: Int = 20, scheduledAt: Date? = nil, uniqueKey: String? = nil, meta: JobMeta = JobMeta()) {
        self.kind = kind
        self.queue = queue
        self.argumentsJSON = argumentsJSON
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.scheduledAt = scheduledAt
        self.uniqueKey = uniqueKey
        self.meta = meta
    }

    var metaJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(meta)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// What enqueueing one job did.
public enum EnqueueResult: Sendable, Equatable {
    /// The job was inserted with this id.
    case inserted(Int64)
    /// A waiting job with the same unique key exists; the job was merged into it (see `JobQueue.mergeIntoWaiting`).
    case skippedDuplicate
}

/// Follow-up jobs a worker asked for, inserted with its result.
final class FollowUps: Sendable {
    private let jobs = Mutex<[JobInsert]>([])
    func add(_ job: JobInsert) { jobs.withLock { $0.append(job) } }
    func take() -> [JobInsert] { jobs.withLock { jobs in defer { jobs.removeAll() }; return jobs } }
}

/// Where the queue reads the time: the system's, or a test's.
public protocol JobClock: Sendable {
    /// Now.
    func now() -> Date
}

/// The system clock.
public struct SystemJobClock: JobClock {
    /// The system clock.
    public init() {}
    public func now() -> Date { Date() }
}
