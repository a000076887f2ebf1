import Crypto
import Foundation

/// The digests' rows: taking one for sending, marking it sent, listing them for operators.
public struct DigestStore: Sendable {
    /// A store.
    public init() {}

    /// Decides what the send job does now, in its transaction: nothing (gone or sent), wait (the
    /// window is open, or the sending hours are closed and the digest is not urgent-any-time), or
    /// send the message (the digest taken: `sending`, its size set, a new unsubscribe token).
    func take(_ id: UUID, forbundID: UUID, now: Date, hours: EmailHours, urgentAnyTime: Bool, from: String, publicURL: String?,
              in transaction: PostgresTransaction) async throws -> DigestSendWorker.Step {
        guard let row = try await transaction.query("""
            SELECT d.state, d.closes_at, u.email, u.locale, u.kind, u.active,
                   EXISTS (SELECT 1 FROM digest_items i WHERE i.forbund_id = d.forbund_id AND i.digest_id = d.id
                           AND i.type = ANY(\(NotificationRouting.urgent.map(\.rawValue))::text[])) AS urgent
            FROM digests d JOIN users u ON u.forbund_id = d.forbund_id AND u.id = d.user_id
            WHERE d.forbund_id = \(forbundID) AND d.id = \(id) FOR UPDATE OF d
            """).first else { return .done }
        let state = try row.decode(String.self, "state")
        if state == "sent" { return .done }
        // A statement of its own, so its snapshot sees items a dispatcher committed while this waited for the row lock.
        let empty = try await transaction.query("""
            SELECT NOT EXISTS (SELECT 1 FROM digest_items WHERE forbund_id = \(forbundID) AND digest_id = \(id)) AS empty
            """)[0].decode(Bool.self, "empty")
        // Emptied by an erasure, or its user deactivated meanwhile: nothing to send.
        guard try row.decode(Bool.self, "active"), !empty else {
            try await transaction.execute("DELETE FROM digests WHERE forbund_id = \(forbundID) AND id = \(id)")
            return .done
        }
        if state == "open" {
            let closes = try row.decode(Date.self, "closes_at")
            if closes > now { return .wait(until: closes) }
            let urgent = try row.decode(Bool.self, "urgent")
            if !hours.isOpen(at: now) && !(urgent && urgentAnyTime) { return .wait(until: hours.nextSendingTime(from: now)) }
        }
        try await transaction.execute("""
            UPDATE digests SET state = 'sending', attempts = attempts + 1,
                size = (SELECT count(*) FROM digest_items i WHERE i.forbund_id = \(forbundID) AND i.digest_id = \(id))
            WHERE forbund_id = \(forbundID) AND id = \(id)
            """)
        let isEmployer = try row.decode(String.self, "kind") == "employer"
        let items = try await self.items(id, forbundID: forbundID, toEmployer: isEmployer, locale: try row.decode(String.self, "locale"),
                                         in: transaction)
        let token = Self.newToken()
        try await transaction.execute("""
            INSERT INTO unsubscribe_tokens (token_hash, forbund_id, user_id, categories)
            SELECT \(Self.hash(token)), forbund_id, user_id,
                   (SELECT array_agg(DISTINCT \(NotificationRouting.categorySQL("i.type"))) FROM digest_items i
                    WHERE i.forbund_id = d.forbund_id AND i.digest_id = d.id)
            FROM digests d WHERE d.forbund_id = \(forbundID) AND d.id = \(id)
            """)
        return .send(DigestMessage(digestID: id, to: try row.decode(String.self, "email"), from: from,
                                   locale: try row.decode(String.self, "locale"), toEmployer: isEmployer, items: items,
                                   publicURL: publicURL, unsubscribeToken: token, date: now))
    }

    /// The digest's events with the names their lines may use; reading a case reference for a
    /// coordinator's email is an audited read of the participant.
    func items(_ id: UUID, forbundID: UUID, toEmployer: Bool, locale: String,
               in transaction: PostgresTransaction) async throws -> [DigestMessage.Item] {
        let rows = try await transaction.query("""
            SELECT i.type, i.participant_id, i.offer_id, cardinality(i.suggestion_ids) AS count, \(InboxText.nameColumns)
            FROM digest_items i \(InboxText.nameJoins)
            WHERE i.forbund_id = \(forbundID) AND i.digest_id = \(id)
            ORDER BY i.event_id
            """)
        var named: Set<UUID> = []
        let other = locale == "en" ? "Other" : "Övrigt"
        let items = try rows.compactMap { row -> DigestMessage.Item? in
            guard let kind = Event.Kind(rawValue: try row.decode(String.self, "type")) else { return nil }
            let reference = toEmployer ? nil : try row.decode(String?.self, "case_reference")
            if reference != nil, let participant = try row.decode(UUID?.self, "participant_id") { named.insert(participant) }
            let title = try row.decode(String?.self, "offer_title")
            let names = InboxText.Names(caseReference: reference, offerTitle: title,
                                        employerName: try row.decode(String?.self, "employer_name"),
                                        count: max(1, try row.decode(Int.self, "count")))
            return DigestMessage.Item(kind: kind, names: names, group: reference ?? title ?? other)
        }
        try await AuditLog().recordReads(of: named, forbundID: forbundID, context: AuditContext(actor: "system:notify.email"),
                                         in: transaction)
        return items
    }

    /// Marks the digest sent.
    func markSent(_ id: UUID, forbundID: UUID, in transaction: PostgresTransaction) async throws {
        try await transaction.execute("""
            UPDATE digests SET state = 'sent', sent_at = now(), last_error = NULL WHERE forbund_id = \(forbundID) AND id = \(id)
            """)
    }

    /// Records why a send failed (the job retries it).
    func recordFailure(_ id: UUID, forbundID: UUID, error: String, on connection: PostgresConnection) async throws {
        try await connection.execute("UPDATE digests SET last_error = \(error) WHERE forbund_id = \(forbundID) AND id = \(id)")
    }

    /// A new opaque token: 32 random bytes, base64url.
    static func newToken() -> String {
        Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// How a token is kept.
    static func hash(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }
}
