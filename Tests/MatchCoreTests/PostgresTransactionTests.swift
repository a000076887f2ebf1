import Foundation
import Synchronization
import Testing
@testable import MatchCore

@Suite("Transactions")
struct PostgresTransactionTests {
    struct Boom: Error {}

    @Test func rollbackOnThrowLeavesNoRow() async throws {
        try await withTestConnection { connection, _ in
            try await connection.execute("CREATE TABLE items (v int)")
            await #expect(throws: Boom.self) {
                try await connection.withTransaction { tx in
                    try await tx.execute("INSERT INTO items VALUES (\(1))")
                    throw Boom()
                }
            }
            let count = try await connection.query("SELECT count(*) AS n FROM items")[0].decode(Int.self, "n")
            #expect(count == 0)
            #expect(await connection.isInTransaction == false)
        }
    }

    @Test func savepointRollbackKeepsOuterWork() async throws {
        try await withTestConnection { connection, _ in
            try await connection.execute("CREATE TABLE items (v int)")
            try await connection.withTransaction { tx in
                try await tx.execute("INSERT INTO items VALUES (\(1))")
                await #expect(throws: Boom.self) {
                    try await tx.savepoint { inner in
                        try await inner.execute("INSERT INTO items VALUES (\(2))")
                        throw Boom()
                    }
                }
                try await tx.savepoint { inner in
                    try await inner.execute("INSERT INTO items VALUES (\(3))")
                }
            }
            let values = try await connection.query("SELECT v FROM items ORDER BY v").map { try $0.decode(Int.self, "v") }
            #expect(values == [1, 3])
        }
    }

    @Test func afterCommitRunsOnlyAfterCommit() async throws {
        try await withTestConnection { connection, _ in
            let ran = Mutex<[String]>([])
            try await connection.withTransaction { tx in
                tx.afterCommit { ran.withLock { $0.append("committed") } }
                await #expect(throws: Boom.self) {
                    try await tx.savepoint { inner in
                        inner.afterCommit { ran.withLock { $0.append("rolled back savepoint") } }
                        throw Boom()
                    }
                }
                #expect(ran.withLock { $0.isEmpty })
            }
            await #expect(throws: Boom.self) {
                try await connection.withTransaction { tx in
                    tx.afterCommit { ran.withLock { $0.append("rolled back") } }
                    throw Boom()
                }
            }
            #expect(ran.withLock { $0 } == ["committed"])
        }
    }

    @Test func aFailedStatementMakesCommitFail() async throws {
        try await withTestConnection { connection, _ in
            try await connection.execute("CREATE TABLE items (v int PRIMARY KEY)")
            let error = await #expect(throws: PostgresError.self) {
                try await connection.withTransaction { tx in
                    try await tx.execute("INSERT INTO items VALUES (\(1))")
                    _ = try? await tx.execute("INSERT INTO items VALUES (\(1))")
                }
            }
            #expect(error?.sqlState == "25P02")
            let count = try await connection.query("SELECT count(*) AS n FROM items")[0].decode(Int.self, "n")
            #expect(count == 0)
        }
    }
}

@Suite("A transaction PostgreSQL aborts to break a deadlock is run again")
struct RetriedTransactionTests {
    /// Counts the runs of both transactions.
    actor Runs {
        var count = 0
        func next() -> Int {
            count += 1
            return count
        }
    }

    /// Updates `first` then `second`; the first two runs wait at the gates so that each holds one row.
    static func crossing(_ pool: PostgresPool, _ first: Int, _ second: Int, holds mine: JobGate, waitFor theirs: JobGate,
                         runs: Runs) async throws {
        try await pool.withRetriedTransaction { tx in
            let run = await runs.next()
            try await tx.execute("UPDATE pair SET touched = touched + 1 WHERE id = \(first)")
            if run <= 2 {
                await mine.open()
                await theirs.pass()
            }
            try await tx.execute("UPDATE pair SET touched = touched + 1 WHERE id = \(second)")
        }
    }

    /// Two transactions lock two rows in opposite orders; PostgreSQL aborts one with 40P01, and
    /// `withRetriedTransaction` runs it again, so both finish and both writes are there.
    @Test func aDeadlockVictimIsRunAgainAndBothFinish() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 4))
        try await pool.execute("CREATE TABLE pair (id int PRIMARY KEY, touched int NOT NULL DEFAULT 0)")
        try await pool.execute("INSERT INTO pair (id) VALUES (1), (2)")
        let runs = Runs()
        let (firstHolds, secondHolds) = (JobGate(), JobGate())
        let one = Task { try await Self.crossing(pool, 1, 2, holds: firstHolds, waitFor: secondHolds, runs: runs) }
        let two = Task { try await Self.crossing(pool, 2, 1, holds: secondHolds, waitFor: firstHolds, runs: runs) }
        try await one.value
        try await two.value
        #expect(await runs.count == 3, "one of the two was run again")
        let touched = try await pool.query("SELECT sum(touched)::int AS n FROM pair")[0].decode(Int.self, "n")
        #expect(touched == 4)
        await pool.close()
    }
}
