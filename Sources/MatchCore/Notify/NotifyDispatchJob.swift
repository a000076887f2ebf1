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

    /// Enqueues the job for `forbundID` in `transaction`, unless one already waits, in one
    /// statement (it is on the path of every write that tells anyone). In a daemon, its
    /// `ImmediateDispatch` is kicked once the transaction commits and the job is the backstop, so
    /// no queue wake-up is sent; elsewhere (matchctl) the NOTIFY wakes a daemon's notify workers.
    static func enqueue(forbundID: UUID, in transaction: PostgresTransaction) async throws {
        let immediate = ImmediateDispatch.current
        if let immediate {
            transaction.afterCommit { immediate.kick(forbundID: forbundID) }
        }
        let job = try JobInsert(Self.self, Arguments(forbundID: forbundID))
        let wakeup: PostgresQuery = immediate == nil ? "RETURNING pg_notify(\(JobQueue.wakeupChannel), \(queue))" : ""
        try await transaction.execute("""
            WITH waiting AS (
                SELECT 1 FROM jobs WHERE queue = \(queue) AND kind = \(name) AND state = 'available'
                AND args ->> 'forbund_id' = \(forbundID.uuidString.lowercased()) LIMIT 1 FOR SHARE
            )
            INSERT INTO jobs (kind, queue, args, meta, priority, max_attempts, state)
            SELECT \(job.kind), \(job.queue), \(job.argumentsJSON)::jsonb, \(job.metaJSON)::jsonb, \(Int64(job.priority))::smallint,
                   \(Int64(job.maxAttempts))::integer, 'available'
            WHERE NOT EXISTS (SELECT 1 FROM waiting)
            \(wakeup)
            """)
    }
}

/// Works `NotifyDispatchJob`: `InboxDispatcher.dispatch` until nothing is left, each batch in a
/// transaction of its own.
public struct NotifyDispatchWorker: JobWorker {
    public typealias Kind = NotifyDispatchJob
    let pool: PostgresPool
    let dispatcher: InboxDispatcher

    /// A worker that dispatches through `pool`, routing to email and webhooks by `routing`.
    public init(pool: PostgresPool, routing: NotificationRouting? = nil) {
        self.pool = pool
        self.dispatcher = InboxDispatcher(routing: routing)
    }

    public func work(_ arguments: NotifyDispatchJob.Arguments, context: JobContext) async throws -> JobOutcome {
        let total = try await dispatcher.dispatchAll(forbundID: arguments.forbundID, through: pool)
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
        /// The users who got entries, each with their last sequence number now.
        public var recipients: [UUID: Int64] = [:]
    }

    /// The most events one transaction takes.
    static let batch = 500
    /// The channel a NOTIFY names a user and their last sequence number on (ids only).
    public static let channel = "lotsen_inbox"

    /// Where events go beyond the inbox (nil: the inbox only).
    let routing: NotificationRouting?

    /// A dispatcher, routing to email digests and webhooks by `routing`.
    public init(routing: NotificationRouting? = nil) { self.routing = routing }

    /// Dispatches every undispatched event of `forbundID`, a batch per transaction, calling
    /// `delivered` after each commit; returns how many events it dispatched.
    @discardableResult
    func dispatchAll(forbundID: UUID, through pool: PostgresPool,
                     delivered: (Delivered) -> Void = { _ in }) async throws -> Int {
        var total = 0
        while true {
            let batch = try await pool.withRetriedTransaction { tx in try await dispatch(forbundID: forbundID, in: tx) }
            delivered(batch)
            total += batch.events
            if batch.events < Self.batch { return total }
        }
    }

    /// Dispatches up to `batch` events of `forbundID`, in one statement (one round trip: the path
    /// from an event's commit to an open stream is mostly round trips).
    ///
    /// The CTEs, in the order they take effect: lock the events; their (event, recipient) pairs;
    /// lock the recipients' user rows in id order (the sort is below the row lock in the plan, and
    /// a row updated meanwhile is re-read at its newest version); number each user's entries on
    /// from their `inbox_sequence`; store the new last numbers, write the entries, mark the events.
    /// The NOTIFYs are in the final select, one per recipient with their last number.
    public func dispatch(forbundID: UUID, in transaction: PostgresTransaction) async throws -> Delivered {
        let rows = try await transaction.query("""
            WITH ev AS (
                SELECT id, recipients FROM events WHERE forbund_id = \(forbundID) AND dispatched_at IS NULL
                ORDER BY id LIMIT \(Self.batch) FOR UPDATE SKIP LOCKED
            ), pairs AS (
                SELECT DISTINCT ev.id AS event_id, r.user_id FROM ev CROSS JOIN LATERAL unnest(ev.recipients) AS r(user_id)
            ), locked AS (
                SELECT u.id, u.inbox_sequence FROM users u
                WHERE u.forbund_id = \(forbundID) AND u.id IN (SELECT user_id FROM pairs)
                ORDER BY u.id FOR NO KEY UPDATE
            ), numbered AS (
                SELECT p.user_id, p.event_id,
                       l.inbox_sequence + row_number() OVER (PARTITION BY p.user_id ORDER BY p.event_id) AS sequence
                FROM pairs p JOIN locked l ON l.id = p.user_id
            ), last AS (
                SELECT user_id, max(sequence) AS sequence FROM numbered GROUP BY user_id
            ), bumped AS (
                UPDATE users u SET inbox_sequence = last.sequence FROM last
                WHERE u.forbund_id = \(forbundID) AND u.id = last.user_id
            ), written AS (
                INSERT INTO inbox_entries (forbund_id, user_id, sequence, event_id, type, suggestion_id, suggestion_ids, participant_id,
                                           offer_id, employer_id, placement_id, check_in_id, webhook_id, created_at)
                SELECT \(forbundID), n.user_id, n.sequence, e.id, e.type, e.suggestion_id, e.suggestion_ids, e.participant_id, e.offer_id,
                       e.employer_id, e.placement_id, e.check_in_id, e.webhook_id, e.created_at
                FROM numbered n JOIN events e ON e.forbund_id = \(forbundID) AND e.id = n.event_id
            ), marked AS (
                UPDATE events SET dispatched_at = now() WHERE forbund_id = \(forbundID) AND id IN (SELECT id FROM ev)
            )
            SELECT (SELECT count(*) FROM ev) AS events, (SELECT count(*) FROM numbered) AS entries,
                   coalesce((SELECT array_agg(user_id ORDER BY user_id) FROM last), '{}') AS recipients,
                   coalesce((SELECT array_agg(sequence ORDER BY user_id) FROM last), '{}') AS sequences,
                   (SELECT count(pg_notify(\(Self.channel), user_id::text || ' ' || sequence::text)) FROM last) AS notified,
                   coalesce((SELECT array_agg(id ORDER BY id) FROM ev), '{}') AS event_ids
            """)
        guard let row = rows.first else { return Delivered(events: 0, entries: 0) }
        if let routing {
            try await routing.route(eventIDs: try row.decode([Int64].self, "event_ids"), forbundID: forbundID, in: transaction)
        }
        return Delivered(events: Int(try row.decode(Int64.self, "events")), entries: Int(try row.decode(Int64.self, "entries")),
                         recipients: Dictionary(zip(try row.decode([UUID].self, "recipients"), try row.decode([Int64].self, "sequences"))) { $1 })
    }
}
