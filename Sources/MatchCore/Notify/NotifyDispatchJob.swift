import Foundation

/// Delivers a förbund's undispatched events into their recipients' inboxes. Enqueued by
/// `EventLog.append` in the transaction of the event unless one for the förbund already waits,
/// so a burst of events is dispatched together.
///
/// Why not a unique key: a waiting job's unique row would be locked by the first transaction that
/// merged into it until it commits, so every other transaction writing an event in the förbund
/// would queue behind it (and could deadlock with it on rows they both lock later). Instead the
/// waiting job is share-locked (`FOR SHARE`: writers of events do not wait for each other, and the
/// fetcher's `FOR UPDATE SKIP LOCKED` cannot start it before the event commits), and a new one is
/// enqueued when none waits. Two transactions that both see none each enqueue one; the second
/// finds nothing left to dispatch.
public enum NotifyDispatchJob: JobKind {
    /// The förbund whose events to dispatch.
    public struct Arguments: Codable, Sendable {
        /// The förbund.
        public var forbundID: UUID

        /// Dispatch `forbundID`'s events.
        public init(forbundID: UUID) { self.forbundID = forbundID }

        enum CodingKeys: String, CodingKey { case forbundID = "forbund_id" }
    }
    public static let name = "notify.dispatch"
    public static let queue = "notify"

    /// Enqueues the job for `forbundID` in `transaction`, unless one already waits.
    static func enqueue(forbundID: UUID, in transaction: PostgresTransaction) async throws {
        let waiting = try await transaction.query("""
            SELECT 1 FROM jobs WHERE queue = \(queue) AND kind = \(name) AND state = 'available'
            AND args ->> 'forbund_id' = \(forbundID.uuidString.lowercased()) LIMIT 1 FOR SHARE
            """)
        guard waiting.isEmpty else { return }
        _ = try await JobQueue().enqueue(batch: [try JobInsert(Self.self, Arguments(forbundID: forbundID))], in: transaction)
        try await transaction.execute("SELECT pg_notify(\(JobQueue.wakeupChannel), \(queue))")
    }
}

/// Works `NotifyDispatchJob`: `InboxDispatcher.dispatch` until nothing is left, each batch in a
/// transaction of its own.
public struct NotifyDispatchWorker: JobWorker {
    public typealias Kind = NotifyDispatchJob
    let pool: PostgresPool

    /// A worker that dispatches through `pool`.
    public init(pool: PostgresPool) { self.pool = pool }

    public func work(_ arguments: NotifyDispatchJob.Arguments, context: JobContext) async throws -> JobOutcome {
        var total = 0
        while true {
            let delivered = try await pool.withRetriedTransaction { tx in
                try await InboxDispatcher().dispatch(forbundID: arguments.forbundID, in: tx)
            }
            total += delivered.events
            if delivered.events < InboxDispatcher.batch { break }
        }
        context.logger.debug("dispatched events", metadata: ["count": "\(total)"])
        return .complete
    }
}

/// One dispatch, in one transaction: the oldest undispatched events of a förbund (`FOR UPDATE
/// SKIP LOCKED`, so two dispatchers never take the same one), one inbox entry per event and
/// recipient, the events marked dispatched, and a NOTIFY per recipient with their last sequence
/// number. A crash anywhere leaves all of it or none of it; the next run takes what is left.
///
/// Each recipient's entries are numbered from `users.inbox_sequence`, bumped under the user's row
/// lock (users locked in id order) and held until commit: a user's numbers commit in order, so a
/// stream that has seen number n has seen every number below it.
public struct InboxDispatcher: Sendable {
    /// What one dispatch delivered.
    public struct Delivered: Sendable, Equatable {
        /// Events dispatched.
        public var events: Int
        /// Inbox entries written.
        public var entries: Int
    }

    /// The most events one transaction takes.
    static let batch = 500
    /// The channel a NOTIFY names a user and their last sequence number on (ids only).
    public static let channel = "lotsen_inbox"

    /// A dispatcher.
    public init() {}

    /// Dispatches up to `batch` events of `forbundID`.
    public func dispatch(forbundID: UUID, in transaction: PostgresTransaction) async throws -> Delivered {
        let events = try await transaction.query("""
            SELECT id, recipients FROM events WHERE forbund_id = \(forbundID) AND dispatched_at IS NULL
            ORDER BY id LIMIT \(Self.batch) FOR UPDATE SKIP LOCKED
            """).map { (id: try $0.decode(Int64.self, "id"), recipients: try $0.decode([UUID].self, "recipients")) }
        guard !events.isEmpty else { return Delivered(events: 0, entries: 0) }
        var perUser: [UUID: [Int64]] = [:]
        for event in events { for user in Set(event.recipients) { perUser[user, default: []].append(event.id) } }
        let users = perUser.keys.sorted { $0.uuidString < $1.uuidString }
        // Lock the recipients in one order, then number their entries.
        let existing = try await transaction.query("""
            SELECT id, inbox_sequence FROM users WHERE forbund_id = \(forbundID) AND id = ANY(\(users)::uuid[])
            ORDER BY id FOR NO KEY UPDATE
            """)
        var entryUsers: [UUID] = [], entrySequences: [Int64] = [], entryEvents: [Int64] = []
        var last: [(UUID, Int64)] = []
        for row in existing {
            let user = try row.decode(UUID.self, "id")
            var sequence = try row.decode(Int64.self, "inbox_sequence")
            for event in perUser[user] ?? [] {
                sequence += 1
                entryUsers.append(user)
                entrySequences.append(sequence)
                entryEvents.append(event)
            }
            last.append((user, sequence))
        }
        if !last.isEmpty {
            try await transaction.execute("""
                UPDATE users u SET inbox_sequence = n.sequence
                FROM unnest(\(last.map(\.0))::uuid[], \(last.map(\.1))::bigint[]) AS n(id, sequence)
                WHERE u.forbund_id = \(forbundID) AND u.id = n.id
                """)
            try await transaction.execute("""
                INSERT INTO inbox_entries (forbund_id, user_id, sequence, event_id, type, suggestion_id, suggestion_ids, participant_id,
                                           offer_id, employer_id, placement_id, check_in_id, created_at)
                SELECT \(forbundID), n.user_id, n.sequence, e.id, e.type, e.suggestion_id, e.suggestion_ids, e.participant_id, e.offer_id,
                       e.employer_id, e.placement_id, e.check_in_id, e.created_at
                FROM unnest(\(entryUsers)::uuid[], \(entrySequences)::bigint[], \(entryEvents)::bigint[]) AS n(user_id, sequence, event_id)
                JOIN events e ON e.forbund_id = \(forbundID) AND e.id = n.event_id
                """)
            try await transaction.execute("""
                SELECT pg_notify(\(Self.channel), n.id::text || ' ' || n.sequence::text)
                FROM unnest(\(last.map(\.0))::uuid[], \(last.map(\.1))::bigint[]) AS n(id, sequence)
                """)
        }
        try await transaction.execute("""
            UPDATE events SET dispatched_at = now() WHERE forbund_id = \(forbundID) AND id = ANY(\(events.map(\.id))::bigint[])
            """)
        return Delivered(events: events.count, entries: entryUsers.count)
    }
}
