import Foundation
import Testing
@testable import MatchCore

@Suite("Cancelling a running statement")
struct PostgresCancelTests {
    @Test func cancellingTheTaskCancelsTheStatement() async throws {
        try await withTestConnection { connection, _ in
            let started = ContinuousClock.now
            let sleeper = Task { try await connection.query("SELECT pg_sleep(30)") }
            try await Task.sleep(for: .milliseconds(300))
            sleeper.cancel()
            let result = await sleeper.result
            let elapsed = ContinuousClock.now - started
            guard case .failure(let error) = result, let postgresError = error as? PostgresError else {
                Issue.record("expected a PostgresError, got \(result)")
                return
            }
            #expect(postgresError.sqlState == SQLState.queryCanceled)
            #expect(elapsed < .seconds(5))
            let next = try await connection.query("SELECT 41 + 1 AS answer")[0].decode(Int.self, "answer")
            #expect(next == 42)
        }
    }

    @Test func aLateCancelNeverHitsTheNextStatement() async throws {
        try await withTestConnection { connection, _ in
            // Cancel tasks right around the moment their statement ends; the statement that
            // follows on the same connection must never be the one cancelled.
            for round in 0..<40 {
                let task = Task { try await connection.query("SELECT pg_sleep(\(Double(round % 5) / 1000))") }
                try await Task.sleep(for: .microseconds(200 * (round % 7)))
                task.cancel()
                _ = await task.result
                let after = try await connection.query("SELECT pg_sleep(0.02), \(round) AS round")
                #expect(try after[0].decode(Int.self, "round") == round)
            }
        }
    }
}
