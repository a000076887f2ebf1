import Foundation
import Testing
@testable import MatchCore

@Suite("Förbund, users, tokens and the audit log")
struct TenancyTests {
    let store = TenancyStore()
    let tokens = TokenStore()

    @Test func forbundNamesAreUniqueAndValidated() async throws {
        try await withTestConnection { connection, _ in
            _ = try await connection.withTransaction { try await store.createForbund(name: "Samordningsförbundet Centrala Östergötland", in: $0) }
            let duplicate = await #expect(throws: FieldErrors.self) {
                try await connection.withTransaction { try await store.createForbund(name: "samordningsförbundet centrala östergötland", in: $0) }
            }
            #expect(duplicate?.entries.map(\.rule) == ["unique"])
            let empty = await #expect(throws: FieldErrors.self) {
                try await connection.withTransaction { try await store.createForbund(name: "  ", in: $0) }
            }
            #expect(empty?.entries.first?.pointer == "/name")
            #expect(try await store.listForbund(on: connection).count == 1)
        }
    }

    @Test func usersAreValidatedAndScopedByForbund() async throws {
        try await withTestConnection { connection, _ in
            let (a, b) = try await connection.withTransaction { tx in
                (try await store.createForbund(name: "A", in: tx), try await store.createForbund(name: "B", in: tx))
            }
            let errors = await #expect(throws: FieldErrors.self) {
                try await connection.withTransaction {
                    try await store.createUser(forbundID: a.id, kind: .coordinator, name: "", email: "no-at-sign", in: $0)
                }
            }
            #expect(Set(errors?.entries.map(\.pointer) ?? []) == ["/name", "/email"])
            _ = try await connection.withTransaction {
                try await store.createUser(forbundID: a.id, kind: .coordinator, name: "Kim", email: "kim@example.se", in: $0)
            }
            // The same address in another förbund is another user.
            _ = try await connection.withTransaction {
                try await store.createUser(forbundID: b.id, kind: .coordinator, name: "Kim", email: "KIM@example.se", in: $0)
            }
            await #expect(throws: FieldErrors.self) {
                try await connection.withTransaction {
                    try await store.createUser(forbundID: a.id, kind: .coordinator, name: "Kim 2", email: "Kim@Example.se", in: $0)
                }
            }
            #expect(try await store.listUsers(forbundID: a.id, on: connection).count == 1)
        }
    }

    @Test func tokensAuthenticateUntilRevokedExpiredOrTheUserIsDeactivated() async throws {
        try await withTestConnection { connection, _ in
            let forbund = try await connection.withTransaction { try await store.createForbund(name: "A", in: $0) }
            let user = try await connection.withTransaction {
                try await store.createUser(forbundID: forbund.id, kind: .coordinator, name: "Kim", email: "kim@example.se", in: $0)
            }
            let coordinator = try await connection.withTransaction {
                try await tokens.create(role: .coordinator, forbundID: forbund.id, userID: user.id, in: $0)
            }
            let principal = try #require(try await tokens.authenticate(coordinator.token, on: connection))
            #expect(principal.role == .coordinator)
            #expect(principal.forbundID == forbund.id)
            #expect(principal.userID == user.id)
            #expect(try await tokens.authenticate(coordinator.token + "x", on: connection) == nil)
            // Only the hash is stored.
            let stored = try await connection.query("SELECT count(*) AS n FROM api_tokens WHERE prefix = \(coordinator.token)")
            #expect(try stored[0].decode(Int.self, "n") == 0)

            let operatorToken = try await connection.withTransaction {
                try await tokens.create(role: .operator, forbundID: nil, userID: nil, in: $0)
            }
            #expect(try await tokens.authenticate(operatorToken.token, on: connection)?.role == .operator)
            #expect(try await tokens.revoke(operatorToken.id, on: connection))
            #expect(try await tokens.authenticate(operatorToken.token, on: connection) == nil)

            let shortLived = try await connection.withTransaction {
                try await tokens.create(role: .operator, forbundID: nil, userID: nil, expiresAt: Date().addingTimeInterval(3600), in: $0)
            }
            try await connection.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = \(shortLived.id)")
            #expect(try await tokens.authenticate(shortLived.token, on: connection) == nil)

            _ = try await connection.withTransaction {
                try await store.deactivateUser(forbundID: forbund.id, email: "KIM@example.se", in: $0)
            }
            #expect(try await tokens.authenticate(coordinator.token, on: connection) == nil)

            let misuse = await #expect(throws: FieldErrors.self) {
                try await connection.withTransaction { try await tokens.create(role: .coordinator, forbundID: nil, userID: nil, in: $0) }
            }
            #expect(misuse?.entries.first?.pointer == "/forbund")
        }
    }

    @Test func theApplicationRoleMayOnlyInsertIntoTheAuditLog() async throws {
        try await withTestConnection { connection, _ in
            let forbund = try await connection.withTransaction { try await store.createForbund(name: "A", in: $0) }
            try await connection.execute("SET ROLE lotsen_app")
            try await connection.withTransaction { tx in
                try await AuditLog().record(.read, entity: "participant", id: "42", forbundID: forbund.id, actor: "user:1",
                                            reason: "review", requestID: "req-9", in: tx)
            }
            for statement: PostgresQuery in ["SELECT * FROM audit_log", "UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"] {
                let error = await #expect(throws: PostgresError.self) { try await connection.query(statement) }
                #expect(error?.sqlState == "42501")
            }
            try await connection.execute("RESET ROLE")
            let count = try await connection.query("SELECT count(*) AS n FROM audit_log")[0].decode(Int.self, "n")
            #expect(count == 1)
        }
    }
}
