import Foundation
import Testing
@testable import MatchCore

@Suite("Connection pool")
struct PostgresPoolTests {
    @Test func twoHundredTasksOnFourConnections() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 4, acquireTimeout: .seconds(30)))
        let sum = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<200 {
                group.addTask {
                    try await pool.withTransaction { tx in
                        try await tx.query("SELECT \(n)::int8 AS n, pg_sleep(0.001)")[0].decode(Int.self, "n")
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(sum == (0..<200).reduce(0, +))
        #expect(pool.counts.open <= 4)
        await pool.close()
    }

    @Test func exhaustionTimesOutWithAClearError() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 1,
                                                     acquireTimeout: .milliseconds(200)))
        let holder = Task { try await pool.withConnection { try await $0.query("SELECT pg_sleep(1.5)") } }
        try await Task.sleep(for: .milliseconds(300))
        let error = await #expect(throws: PostgresError.self) {
            try await pool.query("SELECT 1")
        }
        #expect(error?.kind == .poolTimeout)
        _ = try await holder.value
        try await pool.query("SELECT 1")
        await pool.close()
    }

    @Test func brokenConnectionsAreReplaced() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 2))
        let pid = try await pool.withConnection { await $0.backendPID }
        let admin = try await PostgresConnection.connect(conninfo)
        try await admin.query("SELECT pg_terminate_backend(\(pid))")
        try await Task.sleep(for: .milliseconds(100))
        let newPID = try await pool.withConnection { connection in
            _ = try await connection.query("SELECT 1")
            return await connection.backendPID
        }
        #expect(newPID != pid)
        await admin.close()
        await pool.close()
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let cluster = try TestPostgres.makeThrowawayCluster(name: "pool-restart-\(getpid())")
        defer { cluster.destroy() }
        let pool = PostgresPool(configuration: .init(conninfo: cluster.connectionString(), maxConnections: 2,
                                                     acquireTimeout: .seconds(20)))
        try await pool.query("SELECT 1")
        try cluster.restart()
        // The idle connection was closed by the server; the pool notices and connects anew.
        let value = try await pool.query("SELECT 7 AS n")[0].decode(Int.self, "n")
        #expect(value == 7)
        await pool.close()
    }
}
