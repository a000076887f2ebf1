import Crypto
import Foundation

/// API tokens: random, shown once, stored only as a SHA-256 hash; they can expire and be revoked.
public struct TokenStore: Sendable {
    /// A token as listed (never the token itself).
    public struct Listing: Sendable, Codable {
        /// Its id.
        public var id: UUID
        /// Its role.
        public var role: Role
        /// The förbund it is bound to.
        public var forbundID: UUID?
        /// The user behind it.
        public var userID: UUID?
        /// The employer an employer token acts for.
        public var employerID: UUID?
        /// The first characters, to recognise it by.
        public var prefix: String
        /// A note on what it is for.
        public var label: String
        /// When it was made.
        public var createdAt: Date
        /// When it stops working.
        public var expiresAt: Date?
        /// When it was revoked.
        public var revokedAt: Date?
        /// When it was last used.
        public var lastUsedAt: Date?
    }

    /// A store.
    public init() {}

    /// Makes a token; returns its id and the token, which is not stored and cannot be shown again.
    public func create(role: Role, forbundID: UUID?, userID: UUID?, employerID: UUID? = nil, label: String = "",
                       expiresAt: Date? = nil, in transaction: PostgresTransaction) async throws -> (id: UUID, token: String) {
        var errors = FieldErrors()
        switch role {
        case .operator where forbundID != nil:
            errors.add("/forbund", rule: "not_allowed", "an operator token belongs to no förbund")
        case .coordinator where forbundID == nil, .employer where forbundID == nil:
            errors.add("/forbund", rule: "required", "a \(role.rawValue) token needs a förbund")
        case .employer where employerID == nil:
            errors.add("/employer", rule: "required", "an employer token needs an employer")
        default:
            break
        }
        if role != .employer, employerID != nil {
            errors.add("/employer", rule: "not_allowed", "only an employer token belongs to an employer")
        }
        if let expiresAt, expiresAt <= Date() { errors.add("/expires_at", rule: "future", "must be in the future") }
        try errors.throwIfAny()
        let token = Self.generate()
        let row = try await transaction.query("""
            INSERT INTO api_tokens (role, forbund_id, user_id, employer_id, label, token_hash, prefix, expires_at)
            VALUES (\(role.rawValue), \(forbundID), \(userID), \(employerID), \(label), \(Self.hash(token)), \(String(token.prefix(14))),
                    \(expiresAt))
            RETURNING id
            """)[0]
        return (try row.decode(UUID.self, "id"), token)
    }

    /// The principal a token stands for, nil when it is unknown, expired, revoked, or its user is inactive.
    public func authenticate(_ token: String, on connection: PostgresConnection) async throws -> Principal? {
        try await verify(hash: Self.hash(token), on: connection)?.principal
    }

    /// The principal of the token with this hash and when the token expires, nil when it is not valid now.
    public func verify(hash: Data, on connection: PostgresConnection) async throws -> (principal: Principal, expiresAt: Date?)? {
        // A read, so authenticating costs no commit; last use is written at most once a minute.
        let rows = try await connection.query("""
            SELECT t.id, t.role, t.forbund_id, t.user_id, t.employer_id, t.expires_at,
                   t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute' AS stale_use
            FROM api_tokens t
            WHERE t.token_hash = \(hash) AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
              AND (t.user_id IS NULL OR EXISTS (SELECT 1 FROM users u
                   WHERE u.forbund_id = t.forbund_id AND u.id = t.user_id AND u.active
                     AND (t.role <> 'employer' OR u.employer_id = t.employer_id)))
            """)
        guard let row = rows.first, let role = Role(rawValue: try row.decode(String.self, "role")) else { return nil }
        let id = try row.decode(UUID.self, "id")
        if try row.decode(Bool.self, "stale_use") {
            try await connection.execute("UPDATE api_tokens SET last_used_at = now() WHERE id = \(id)")
        }
        return (Principal(role: role, forbundID: try row.decode(UUID?.self, "forbund_id"),
                          userID: try row.decode(UUID?.self, "user_id"), employerID: try row.decode(UUID?.self, "employer_id"),
                          tokenID: id),
                try row.decode(Date?.self, "expires_at"))
    }

    /// Records a use of the token now (the cache calls it at most once a minute per token).
    public func recordUse(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.execute("UPDATE api_tokens SET last_used_at = now() WHERE id = \(id)")
    }

    /// Every token, newest first.
    public func list(on connection: PostgresConnection) async throws -> [Listing] {
        try await connection.query("""
            SELECT id, role, forbund_id, user_id, employer_id, prefix, label, created_at, expires_at, revoked_at, last_used_at
            FROM api_tokens ORDER BY created_at DESC
            """).map { row in
            Listing(id: try row.decode(UUID.self, "id"), role: Role(rawValue: try row.decode(String.self, "role")) ?? .operator,
                    forbundID: try row.decode(UUID?.self, "forbund_id"), userID: try row.decode(UUID?.self, "user_id"),
                    employerID: try row.decode(UUID?.self, "employer_id"), prefix: try row.decode(String.self, "prefix"), label: try row.decode(String.self, "label"),
                    createdAt: try row.decode(Date.self, "created_at"), expiresAt: try row.decode(Date?.self, "expires_at"),
                    revokedAt: try row.decode(Date?.self, "revoked_at"), lastUsedAt: try row.decode(Date?.self, "last_used_at"))
        }
    }

    /// Revokes a token; false when there is no such live token.
    public func revoke(_ id: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.execute("UPDATE api_tokens SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL") == 1
    }

    /// `lotsen_` and 32 random bytes in base64url.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "lotsen_" + base64
    }

    /// The SHA-256 of a token: what is stored, and what the cache keys by.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}
