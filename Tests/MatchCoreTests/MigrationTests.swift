import Foundation
import Testing
@testable import MatchCore

@Suite("Migrations")
struct MigrationTests {
    static func migration(_ file: String, _ sql: String) -> Migration {
        Migration(fileName: file, contents: Array(sql.utf8))!
    }

    @Test func applyingTwiceIsANoOp() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        let connection = try await PostgresConnection.connect(conninfo)
        let first = try await Migrator().migrate(on: connection)
        #expect(first.count == EmbeddedMigrations.all.count)
        let second = try await Migrator().migrate(on: connection)
        #expect(second.isEmpty)
        let status = try await Migrator().status(on: connection)
        #expect(status.allSatisfy { $0.state == .applied })
        await connection.close()
    }

    @Test func aChangedFileIsReportedByName() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        let connection = try await PostgresConnection.connect(conninfo)
        let original = [Self.migration("0001_a.sql", "CREATE TABLE a (v int);")]
        try await Migrator(migrations: original).migrate(on: connection)
        let edited = [Self.migration("0001_a.sql", "CREATE TABLE a (v int, w int);"),
                      Self.migration("0002_b.sql", "CREATE TABLE b (v int);")]
        let error = await #expect(throws: Migrator.ChangedMigrationError.self) {
            try await Migrator(migrations: edited).migrate(on: connection)
        }
        #expect(error?.fileNames == ["0001_a.sql"])
        let status = try await Migrator(migrations: edited).status(on: connection)
        #expect(status.map(\.state) == [.changed, .pending])
        // Nothing of the pending migration was applied.
        let b = try await connection.query("SELECT to_regclass('b') IS NULL AS missing")[0].decode(Bool.self, "missing")
        #expect(b)
        await connection.close()
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        let connection = try await PostgresConnection.connect(conninfo)
        let broken = [Self.migration("0001_a.sql", "CREATE TABLE a (v int); CREATE TABLE a (v int);")]
        await #expect(throws: PostgresError.self) { try await Migrator(migrations: broken).migrate(on: connection) }
        let missing = try await connection.query("SELECT to_regclass('a') IS NULL AS missing")[0].decode(Bool.self, "missing")
        #expect(missing)
        await connection.close()
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        // A migration that fails if it runs twice.
        let migrations = [Self.migration("0001_a.sql", "CREATE TABLE a (v int); SELECT pg_sleep(0.2);"),
                          Self.migration("0002_b.sql", "CREATE TABLE b (v int);")]
        let applied = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let connection = try await PostgresConnection.connect(conninfo)
                    defer { Task { await connection.close() } }
                    return try await Migrator(migrations: migrations).migrate(on: connection).count
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(applied == 2)
    }

    @Test func everyFileInTheFolderIsEmbedded() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/MatchCore/Migrations/sql").standardizedFileURL
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == EmbeddedMigrations.fileNames.sorted())
        #expect(EmbeddedMigrations.all.map(\.fileName) == files)
    }
}
