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
