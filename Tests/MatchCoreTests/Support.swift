import Foundation
@testable import MatchCore

/// A fresh migrated database for one test, and a connection to it.
func withTestConnection<T>(_ body: (PostgresConnection, String) async throws -> T) async throws -> T {
    let conninfo = try await TestPostgres.shared.makeDatabase()
    let connection = try await PostgresConnection.connect(conninfo)
    do {
        let value = try await body(connection, conninfo)
        await connection.close()
        return value
    } catch {
        await connection.close()
        throw error
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
