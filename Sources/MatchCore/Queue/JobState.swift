/// The state of a job.
///
/// ```
///                 enqueue (scheduled_at in the future)
///                        │
///  enqueue ──► available ◄──── scheduled ◄─── snooze ───┐
///                 │  ▲            ▲                      │
///           fetch │  │ (scheduled_at reached: fetchable) │
///                 ▼  │            │                      │
///               running ──────────┴──────────────────────┘
///              │  │  │  │
///   completed ◄┘  │  │  └► cancelled   (worker says cancel, or an operator cancels)
///                 │  └──► discarded    (worker says discard, or the last attempt failed)
///                 ▼
///             retryable  (failed, or the lease lapsed; fetchable again after the backoff)
/// ```
/// Waiting states (`available`, `scheduled`, `retryable`) are fetchable once `scheduled_at` has
/// passed; an operator may cancel a job in any state and retry a finished one.
public enum JobState: String, Sendable, Codable, CaseIterable, PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    /// Ready to run now.
    case available
    /// Waiting for its `scheduled_at` (enqueued for later, or snoozed).
    case scheduled
    /// Fetched by a daemon and running.
    case running
    /// Failed; runs again after its backoff.
    case retryable
    /// Finished successfully.
    case completed
    /// Cancelled by its worker or an operator.
    case cancelled
    /// Given up: out of attempts, or discarded by its worker or an operator.
    case discarded

    /// The states a job waits in; a unique key holds only in these.
    public static let waiting: [JobState] = [.available, .scheduled, .retryable]
    /// The states a job ends in.
    public static let finished: [JobState] = [.completed, .cancelled, .discarded]

    public static var postgresType: PostgresDataType { .unspecified }
    public var postgresBind: PostgresBind { PostgresBind(type: .unspecified, text: rawValue) }
    public static func accepts(_ type: PostgresDataType) -> Bool { String.accepts(type) }
    public init?(postgresText text: String, type: PostgresDataType) { self.init(rawValue: text) }
}
