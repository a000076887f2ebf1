import Foundation

/// Every förbund's outgoing notifications for operators (`matchctl notifications`): email digests
/// and webhook deliveries, ids and states only.
public struct NotificationLog: Sendable {
    /// One digest or delivery.
    public struct Record: Sendable, Encodable {
        /// `email` or `webhook`.
        public var channel: String
        /// The digest's id, or the delivery's `webhook-id`.
        public var id: String
        /// The förbund.
        public var forbundID: UUID
        /// Digests: open, sending, sent. Deliveries: pending, delivered, failed.
        public var state: String
        /// Attempts so far.
        public var attempts: Int
        /// Why the last attempt failed.
        public var lastError: String?
        /// When it was made.
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case channel, id, forbundID = "forbund_id", state, attempts, lastError = "last_error", createdAt = "created_at"
        }
    }

    /// A log.
    public init() {}

    /// The newest `limit` records; `failedOnly`: deliveries that failed and digests whose last attempt failed.
    public func list(failedOnly: Bool, limit: Int, on connection: PostgresConnection) async throws -> [Record] {
        try await connection.query("""
            SELECT * FROM (
                SELECT 'email' AS channel, id::text AS id, forbund_id, state, attempts, last_error, created_at FROM digests
                WHERE NOT \(failedOnly) OR (state <> 'sent' AND last_error IS NOT NULL)
                UNION ALL
                SELECT 'webhook', id, forbund_id, state, attempts, coalesce(last_error, 'HTTP ' || last_status), created_at
                FROM webhook_deliveries WHERE NOT \(failedOnly) OR state = 'failed'
            ) n ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """).map {
            Record(channel: try $0.decode(String.self, "channel"), id: try $0.decode(String.self, "id"),
                   forbundID: try $0.decode(UUID.self, "forbund_id"), state: try $0.decode(String.self, "state"),
                   attempts: try $0.decode(Int.self, "attempts"), lastError: try $0.decode(String?.self, "last_error"),
                   createdAt: try $0.decode(Date.self, "created_at"))
        }
    }

    /// Sends a digest (by id) or a webhook delivery (by `msg_…` id) again now; false when there is
    /// no such one, the digest was already sent, or its job is sending it right now (a second job
    /// would send it twice).
    public func retry(_ id: String, in transaction: PostgresTransaction) async throws -> Bool {
        if id.hasPrefix("msg_") {
            return try await WebhookStore().redeliver(forbundID: nil, id: id, in: transaction) != nil
        }
        guard let digest = UUID(uuidString: id), let row = try await transaction.query("""
            SELECT forbund_id FROM digests WHERE id = \(digest) AND state <> 'sent' AND NOT EXISTS (
                SELECT 1 FROM jobs WHERE unique_key = \(DigestSendJob.name + ":" + digest.uuidString.lowercased()) AND state = 'running')
            FOR UPDATE
            """).first else { return false }
        let forbund = try row.decode(UUID.self, "forbund_id")
        try await transaction.execute("UPDATE digests SET closes_at = least(closes_at, now()) WHERE forbund_id = \(forbund) AND id = \(digest)")
        _ = try await JobQueue().enqueue(try JobInsert(DigestSendJob.self, .init(forbundID: forbund, digestID: digest),
                                                       uniqueKey: "\(DigestSendJob.name):\(digest.uuidString.lowercased())"), in: transaction)
        try await transaction.execute("SELECT pg_notify(\(JobQueue.wakeupChannel), \(DigestSendJob.queue))")
        return true
    }
}
