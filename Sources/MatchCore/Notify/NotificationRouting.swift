import Foundation

/// The part of a dispatch beyond the inbox, in the same transaction: each dispatched event joins
/// the open email digest of every recipient whose preferences want its category by email, and a
/// delivery is queued for every enabled webhook endpoint of the förbund that wants its type.
///
/// Digests: a recipient has at most one open digest (a partial unique index); the first pending
/// event opens it with `closes_at` one window later, an urgent event pulls `closes_at` to now. The
/// upsert locks the open row, so it serializes with the sender taking it (`state = 'sending'`): an
/// event either joins before the sender takes the digest, or opens the next one. Each digest has
/// one `notify.email` job (unique per digest, merged to the earliest time).
public struct NotificationRouting: Sendable {
    /// How long a digest collects events; nil when email is off (no `[smtp] url`).
    public var digestWindow: Duration?
    /// `[http] public_url`, for the links in webhook payloads.
    public var publicURL: String?

    /// Event types that close a digest's window at once.
    public static let urgent: [Event.Kind] = [.checkInAtRisk, .employerAnswered]

    /// Routing with email digests of `digestWindow` (nil: none) and links under `publicURL`.
    public init(digestWindow: Duration?, publicURL: String?) {
        self.digestWindow = digestWindow
        self.publicURL = publicURL
    }

    /// Routes the events `eventIDs` of `forbundID` (just dispatched, locked by this transaction).
    func route(eventIDs: [Int64], forbundID: UUID, in transaction: PostgresTransaction) async throws {
        guard !eventIDs.isEmpty else { return }
        var jobs: [JobInsert] = []
        if let window = digestWindow {
            let digests = try await transaction.query("""
                WITH pairs AS (
                    SELECT DISTINCT e.id AS event_id, e.type, r.user_id
                    FROM events e CROSS JOIN LATERAL unnest(e.recipients) AS r(user_id)
                    WHERE e.forbund_id = \(forbundID) AND e.id = ANY(\(eventIDs)::bigint[])
                ), wanted AS (
                    SELECT p.* FROM pairs p
                    JOIN users u ON u.forbund_id = \(forbundID) AND u.id = p.user_id AND u.active
                    WHERE coalesce(
                        (SELECT np.enabled FROM notification_preferences np WHERE np.forbund_id = \(forbundID)
                         AND np.user_id = p.user_id AND np.channel = 'email' AND np.category = \(Self.categorySQL("p.type"))),
                        (SELECT np.enabled FROM notification_preferences np WHERE np.forbund_id = \(forbundID)
                         AND np.user_id = p.user_id AND np.channel = 'email' AND np.category = '*'),
                        true)
                ), recipients AS (
                    SELECT user_id, bool_or(type = ANY(\(Self.urgent.map(\.rawValue))::text[])) AS urgent FROM wanted GROUP BY user_id
                ), opened AS (
                    INSERT INTO digests (forbund_id, user_id, window_start, closes_at)
                    SELECT \(forbundID), user_id, now(),
                           CASE WHEN urgent THEN now() ELSE now() + make_interval(secs => \(window.inSeconds)) END
                    FROM recipients ORDER BY user_id
                    ON CONFLICT (forbund_id, user_id) WHERE state = 'open'
                    DO UPDATE SET closes_at = least(digests.closes_at, excluded.closes_at)
                    RETURNING id, user_id, closes_at
                ), items AS (
                    INSERT INTO digest_items (forbund_id, digest_id, event_id, type, suggestion_id, suggestion_ids, participant_id, offer_id,
                                              employer_id, placement_id, check_in_id, created_at)
                    SELECT \(forbundID), o.id, e.id, e.type, e.suggestion_id, e.suggestion_ids, e.participant_id, e.offer_id, e.employer_id,
                           e.placement_id, e.check_in_id, e.created_at
                    FROM wanted w JOIN opened o ON o.user_id = w.user_id
                    JOIN events e ON e.forbund_id = \(forbundID) AND e.id = w.event_id
                    ON CONFLICT DO NOTHING
                )
                SELECT id, closes_at FROM opened
                """)
            for row in digests {
                let id = try row.decode(UUID.self, "id")
                jobs.append(try JobInsert(DigestSendJob.self, .init(forbundID: forbundID, digestID: id),
                                          scheduledAt: try row.decode(Date.self, "closes_at"),
                                          uniqueKey: "\(DigestSendJob.name):\(id.uuidString.lowercased())"))
            }
        }
        let deliveries = try await transaction.query("""
            INSERT INTO webhook_deliveries (forbund_id, id, webhook_id, event_id, type, participant_id, payload)
            SELECT \(forbundID), 'msg_' || replace(gen_random_uuid()::text, '-', ''), h.id, e.id, e.type, e.participant_id,
                   \(WebhookPayload.sql(event: "e", publicURL: publicURL))
            FROM events e JOIN webhooks h ON h.forbund_id = e.forbund_id AND h.enabled AND e.type = ANY(h.event_types)
            WHERE e.forbund_id = \(forbundID) AND e.id = ANY(\(eventIDs)::bigint[])
            ORDER BY e.id, h.id
            ON CONFLICT DO NOTHING
            RETURNING id
            """)
        for row in deliveries {
            let delivery = try row.decode(String.self, "id")
            jobs.append(try JobInsert(WebhookDeliverJob.self, .init(forbundID: forbundID, deliveryID: delivery),
                                      uniqueKey: "\(WebhookDeliverJob.name):\(delivery)"))
        }
        guard !jobs.isEmpty else { return }
        _ = try await JobQueue().enqueue(batch: jobs, in: transaction)
        try await transaction.execute("SELECT pg_notify(\(JobQueue.wakeupChannel), \(NotifyDispatchJob.queue))")
    }

    /// The preference category of the event type in `column`, as SQL.
    static func categorySQL(_ column: String) -> PostgresQuery {
        let cases = Event.Kind.allCases.map { "WHEN '\($0.rawValue)' THEN '\(NotificationCategory($0).rawValue)'" }.joined(separator: " ")
        return PostgresQuery(unsafeSQL: "(CASE \(column) \(cases) END)")
    }
}
