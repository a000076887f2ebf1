import Foundation

/// The one-click unsubscribe of RFC 8058: the opaque token of a digest's `List-Unsubscribe` link
/// names a user and the categories the digest held; using it turns their email off for those.
public struct UnsubscribeStore: Sendable {
    /// A store.
    public init() {}

    /// The categories `token` would turn off, or nil for an unknown token.
    public func categories(token: String, on connection: PostgresConnection) async throws -> [String]? {
        try await connection.query("""
            SELECT categories FROM unsubscribe_tokens WHERE token_hash = \(DigestStore.hash(token))
            """).first?.decode([String].self, "categories")
    }

    /// Turns the token's categories off for email; returns them, or nil for an unknown token.
    public func unsubscribe(token: String, in transaction: PostgresTransaction) async throws -> [String]? {
        guard let row = try await transaction.query("""
            SELECT t.forbund_id, t.user_id, t.categories FROM unsubscribe_tokens t
            JOIN users u ON u.forbund_id = t.forbund_id AND u.id = t.user_id
            WHERE t.token_hash = \(DigestStore.hash(token))
            FOR NO KEY UPDATE OF u
            """).first else { return nil }
        let (forbund, user) = (try row.decode(UUID.self, "forbund_id"), try row.decode(UUID.self, "user_id"))
        let categories = try row.decode([String].self, "categories")
        try await transaction.execute("""
            INSERT INTO notification_preferences (forbund_id, user_id, category, channel, enabled)
            SELECT \(forbund), \(user), c, 'email', false FROM unnest(\(categories)::text[]) AS c
            ON CONFLICT (forbund_id, user_id, category, channel) DO UPDATE SET enabled = false
            """)
        try await transaction.execute("""
            UPDATE users SET notification_version = notification_version + 1 WHERE forbund_id = \(forbund) AND id = \(user)
            """)
        return categories
    }
}
