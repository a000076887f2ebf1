import Foundation
import Testing
@testable import MatchCore

@Suite("PostgreSQL errors")
struct PostgresErrorTests {
    @Test func uniqueViolationHasItsSQLStateAndHidesValues() async throws {
        try await withTestConnection { connection, _ in
            try await connection.execute("CREATE TEMP TABLE p (case_ref text PRIMARY KEY)")
            try await connection.execute("INSERT INTO p VALUES (\("secret-ref-123"))")
            let error = await #expect(throws: PostgresError.self) {
                try await connection.execute("INSERT INTO p VALUES (\("secret-ref-123"))")
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.conditionName == "unique_violation")
            #expect(error?.constraintName == "p_pkey")
            #expect(error?.description.contains("secret-ref-123") == false)
            #expect(error?.detail?.contains("secret-ref-123") == true)
            #expect(error?.debugDescription.contains("secret-ref-123") == true)
        }
    }

    @Test func syntaxErrorIs42601() async throws {
        try await withTestConnection { connection, _ in
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("SELEC \(1)")
            }
            #expect(error?.sqlState == SQLState.syntaxError)
            // The connection still works.
            let one = try await connection.query("SELECT 1 AS one")[0].decode(Int.self, "one")
            #expect(one == 1)
        }
    }

    @Test func dataExceptionsDoNotEchoTheInput() async throws {
        try await withTestConnection { connection, _ in
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("SELECT \("not-a-number-Åsa")::int AS n")
            }
            #expect(error?.sqlState == "22P02")
            #expect(error?.description.contains("Åsa") == false)
            #expect(error?.message.contains("Åsa") == true)
        }
    }
}
