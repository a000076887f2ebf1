import Foundation

/// A förbund's webhook endpoints and their deliveries. Every query is scoped by förbund.
public struct WebhookStore: Sendable {
    /// How long the previous secret keeps signing after a rotation.
    public static let rotationOverlap: Duration = .seconds(24 * 3600)

    /// A store.
    public init() {}

    static let columns: PostgresQuery = """
        id, url, description, event_types, enabled, disabled_reason, disabled_at,
        CASE WHEN previous_until > now() THEN previous_until END AS previous_until, created_at
        """

    func webhook(_ row: PostgresRow, secret: String? = nil) throws -> Webhook {
        Webhook(id: try row.decode(UUID.self, "id"), url: try row.decode(String.self, "url"),
                description: try row.decode(String.self, "description"), eventTypes: try row.decode([String].self, "event_types"),
                enabled: try row.decode(Bool.self, "enabled"), disabledReason: try row.decode(String?.self, "disabled_reason"),
                disabledAt: try row.decode(Date?.self, "disabled_at"), previousSecretUntil: try row.decode(Date?.self, "previous_until"),
                createdAt: try row.decode(Date.self, "created_at"), secret: secret)
    }

    /// Registers an endpoint; the answer carries its secret, once.
    public func create(forbundID: UUID, url: String, eventTypes: [String], description: String, createdBy: String,
                       in transaction: PostgresTransaction) async throws -> Webhook {
        let secret = WebhookSigner.newSecret()
        let row = try await transaction.query("""
            INSERT INTO webhooks (forbund_id, url, description, event_types, secret, created_by)
            VALUES (\(forbundID), \(url), \(description), \(eventTypes)::text[], \(secret), \(createdBy))
            RETURNING \(Self.columns)
            """)[0]
        return try webhook(row, secret: secret)
    }

    /// The förbund's endpoints, oldest first.
    public func list(forbundID: UUID, on connection: PostgresConnection) async throws -> [Webhook] {
        try await connection.query("""
            SELECT \(Self.columns) FROM webhooks WHERE forbund_id = \(forbundID) ORDER BY created_at, id
            """).map { try webhook($0) }
    }

    /// One endpoint.
    public func get(forbundID: UUID, id: UUID, on connection: PostgresConnection) async throws -> Webhook? {
        try await connection.query("SELECT \(Self.columns) FROM webhooks WHERE forbund_id = \(forbundID) AND id = \(id)")
            .first.map { try webhook($0) }
    }

    /// Removes an endpoint and its delivery log; false when there was none.
    public func delete(forbundID: UUID, id: UUID, in transaction: PostgresTransaction) async throws -> Bool {
        try await transaction.execute("DELETE FROM webhooks WHERE forbund_id = \(forbundID) AND id = \(id)") == 1
    }

    /// A new secret, shown once; the previous one keeps signing beside it for `rotationOverlap`.
    public func rotate(forbundID: UUID, id: UUID, in transaction: PostgresTransaction) async throws -> Webhook? {
        let secret = WebhookSigner.newSecret()
        return try await transaction.query("""
            UPDATE webhooks SET previous_secret = secret, secret = \(secret),
                previous_until = now() + make_interval(secs => \(Self.rotationOverlap.inSeconds))
            WHERE forbund_id = \(forbundID) AND id = \(id)
            RETURNING \(Self.columns)
            """).first.map { try webhook($0, secret: secret) }
    }

    /// Turns a disabled endpoint back on (matchctl), its failures forgotten.
    public func enable(forbundID: UUID, id: UUID, in transaction: PostgresTransaction) async throws -> Bool {
        try await transaction.execute("""
            UPDATE webhooks SET enabled = true, disabled_reason = NULL, disabled_at = NULL, failing_since = NULL
            WHERE forbund_id = \(forbundID) AND id = \(id)
            """) == 1
    }

    static let deliveryColumns: PostgresQuery = """
        id, webhook_id, type, state, attempts, next_attempt_at, last_status, last_error, delivered_at, created_at
        """

    func delivery(_ row: PostgresRow) throws -> WebhookDelivery {
        WebhookDelivery(id: try row.decode(String.self, "id"), webhookID: try row.decode(UUID.self, "webhook_id"),
                        type: try row.decode(String.self, "type"), state: try row.decode(String.self, "state"),
                        attempts: try row.decode(Int.self, "attempts"), nextAttemptAt: try row.decode(Date?.self, "next_attempt_at"),
                        lastStatus: try row.decode(Int?.self, "last_status"), lastError: try row.decode(String?.self, "last_error"),
                        deliveredAt: try row.decode(Date?.self, "delivered_at"), createdAt: try row.decode(Date.self, "created_at"))
    }

    /// An endpoint's deliveries, newest first (`failedOnly`: the failed ones); nil `webhookID` is every endpoint's.
    public func deliveries(forbundID: UUID?, webhookID: UUID?, failedOnly: Bool = false, limit: Int = 100,
                           on connection: PostgresConnection) async throws -> [WebhookDelivery] {
        try await connection.query("""
            SELECT \(Self.deliveryColumns) FROM webhook_deliveries
            WHERE (\(forbundID)::uuid IS NULL OR forbund_id = \(forbundID)) AND (\(webhookID)::uuid IS NULL OR webhook_id = \(webhookID))
            AND (NOT \(failedOnly) OR state = 'failed')
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """).map { try delivery($0) }
    }

    /// Sends a delivery again with its original id: pending, due now, its job queued again.
    public func redeliver(forbundID: UUID?, id: String, in transaction: PostgresTransaction) async throws -> WebhookDelivery? {
        guard let row = try await transaction.query("""
            UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = now()
            WHERE (\(forbundID)::uuid IS NULL OR forbund_id = \(forbundID)) AND id = \(id)
            RETURNING forbund_id, \(Self.deliveryColumns)
            """).first else { return nil }
        let forbund = try row.decode(UUID.self, "forbund_id")
        _ = try await JobQueue().enqueue(try JobInsert(WebhookDeliverJob.self, .init(forbundID: forbund, deliveryID: id),
                                                       uniqueKey: "\(WebhookDeliverJob.name):\(id)"), in: transaction)
        try await transaction.execute("SELECT pg_notify(\(JobQueue.wakeupChannel), \(WebhookDeliverJob.queue))")
        return try delivery(row)
    }
}
