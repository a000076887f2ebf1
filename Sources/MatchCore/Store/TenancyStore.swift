import Foundation

/// The SQL of förbund and users.
public struct TenancyStore: Sendable {
    /// A store.
    public init() {}

    /// Creates a förbund; a name in use (in any case) is a field error.
    public func createForbund(name: String, in transaction: PostgresTransaction) async throws -> Forbund {
        var errors = FieldErrors()
        TenancyRules.checkName(name, pointer: "/name", into: &errors)
        try errors.throwIfAny()
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            return try Self.forbund(try await transaction.savepoint { tx in
                try await tx.query("INSERT INTO forbund (name) VALUES (\(trimmed)) RETURNING id, name, created_at")[0]
            })
        } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation {
            errors.add("/name", rule: "unique", "a förbund with this name exists")
            throw errors
        }
    }

    /// Every förbund, by name.
    public func listForbund(on connection: PostgresConnection) async throws -> [Forbund] {
        try await connection.query("SELECT id, name, created_at FROM forbund ORDER BY lower(name)").map(Self.forbund)
    }

    /// The förbund named `name` (case-insensitively).
    public func forbund(named name: String, on connection: PostgresConnection) async throws -> Forbund? {
        try await connection.query("SELECT id, name, created_at FROM forbund WHERE lower(name) = lower(\(name))")
            .first.map(Self.forbund)
    }

    /// Creates a user in a förbund.
    public func createUser(forbundID: UUID, kind: User.Kind, name: String, email: String, employerID: UUID? = nil,
                           in transaction: PostgresTransaction) async throws -> User {
        var errors = FieldErrors()
        if (kind == .employer) != (employerID != nil) {
            errors.add("/employer", rule: kind == .employer ? "required" : "not_allowed",
                       kind == .employer ? "an employer user needs an employer" : "only an employer user belongs to an employer")
        }
        TenancyRules.checkName(name, pointer: "/name", into: &errors)
        TenancyRules.checkEmail(email, pointer: "/email", into: &errors)
        try errors.throwIfAny()
        do {
            return try Self.user(try await transaction.savepoint { tx in
                try await tx.query("""
                    INSERT INTO users (forbund_id, kind, name, email, employer_id)
                    VALUES (\(forbundID), \(kind.rawValue), \(name.trimmingCharacters(in: .whitespaces)), \(email), \(employerID))
                    RETURNING forbund_id, id, kind, name, email, active, employer_id
                    """)[0]
            })
        } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation {
            errors.add("/email", rule: "unique", "a user with this e-mail exists in the förbund")
            throw errors
        }
    }

    /// The users of a förbund, by name.
    public func listUsers(forbundID: UUID, on connection: PostgresConnection) async throws -> [User] {
        try await connection.query("""
            SELECT forbund_id, id, kind, name, email, active, employer_id FROM users WHERE forbund_id = \(forbundID) ORDER BY lower(name)
            """).map(Self.user)
    }

    /// The user with `email` in a förbund.
    public func user(email: String, forbundID: UUID, on connection: PostgresConnection) async throws -> User? {
        try await connection.query("""
            SELECT forbund_id, id, kind, name, email, active, employer_id FROM users
            WHERE forbund_id = \(forbundID) AND lower(email) = lower(\(email))
            """).first.map(Self.user)
    }

    /// Deactivates a user and revokes their tokens; false when there is no such active user.
    public func deactivateUser(forbundID: UUID, email: String, in transaction: PostgresTransaction) async throws -> Bool {
        let rows = try await transaction.query("""
            UPDATE users SET active = false, deactivated_at = now()
            WHERE forbund_id = \(forbundID) AND lower(email) = lower(\(email)) AND active RETURNING id
            """)
        guard let id = try rows.first?.decode(UUID.self, "id") else { return false }
        try await transaction.execute("""
            UPDATE api_tokens SET revoked_at = now() WHERE forbund_id = \(forbundID) AND user_id = \(id) AND revoked_at IS NULL
            """)
        return true
    }

    static func forbund(_ row: PostgresRow) throws -> Forbund {
        Forbund(id: try row.decode(UUID.self, "id"), name: try row.decode(String.self, "name"),
                createdAt: try row.decode(Date.self, "created_at"))
    }

    /// Checks that `userID`, when given, is an active coordinator of the förbund: the rule for
    /// every record's responsible coordinator.
    public func requireCoordinator(_ userID: UUID?, forbundID: UUID, in transaction: PostgresTransaction) async throws {
        guard let userID else { return }
        let rows = try await transaction.query("""
            SELECT 1 FROM users WHERE forbund_id = \(forbundID) AND id = \(userID) AND kind = 'coordinator' AND active
            """)
        if rows.isEmpty {
            var errors = FieldErrors()
            errors.add("/responsible_coordinator_id", rule: "coordinator", "must be an active coordinator of the förbund")
            throw errors
        }
    }

    static func user(_ row: PostgresRow) throws -> User {
        guard let kind = User.Kind(rawValue: try row.decode(String.self, "kind")) else {
            throw PostgresError(.decoding, "column \"kind\": not a user kind")
        }
        return User(forbundID: try row.decode(UUID.self, "forbund_id"), id: try row.decode(UUID.self, "id"), kind: kind,
                    name: try row.decode(String.self, "name"), email: try row.decode(String.self, "email"),
                    active: try row.decode(Bool.self, "active"), employerID: try row.decode(UUID?.self, "employer_id"))
    }
}
