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

    /// Profiles stored before the JSON names were declared carry camelCase keys; 0008 renames
    /// them, so every fact (the AF registration and exclusions among them) reads back.
    @Test func storedProfilesTakeTheDeclaredNames() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        try await Migrator(migrations: EmbeddedMigrations.all.filter { $0.version < 8 }).migrate(on: connection)
        let excluded = UUID()
        let old = """
            {"caseReference": "GAMMAL-1", "name": null, "responsibleCoordinatorID": null, "seeking": true,
             "homeKommunkod": "0580", "homeLatitude": 58.4, "homeLongitude": 15.6167, "homeCoordinateSource": "municipality",
             "maxCommuteKm": 25, "maxCommuteMinutes": null, "wishedOccupations": ["5120"], "interests": "", "excludedSectors": [],
             "excludedEmployerIDs": ["\(excluded.uuidString.lowercased())"], "experience": [{"occupation": "5120", "years": 2}],
             "skills": [], "informalCompetence": [], "languages": [{"language": "sv", "level": "b1"}], "hoursPerWeek": 20,
             "availableFrom": null, "adaptationNeeds": ["quiet_workspace"], "needsHandledare": true, "gender": "kvinna",
             "facts": {"birthYear": 1990, "monthsAwayLast9": 7, "monthsAwayLast15": 12, "registeredAtAFSince": "2024-03-01",
                       "inJobGuarantee": null, "disabilityReducedCapacity": true, "assessedCapacityPercent": 50,
                       "newArrivalSince": null, "hogriskskydd": null}}
            """
        try await connection.withTransaction { tx in
            let forbund = try await TenancyStore().createForbund(name: "Före 0008", in: tx)
            try await tx.execute("""
                WITH s AS (INSERT INTO participant_statistics (forbund_id, gender, start_year) VALUES (\(forbund.id), 'kvinna', 2026) RETURNING id)
                INSERT INTO participants (forbund_id, case_reference, seeking, profile, statistics_id)
                SELECT \(forbund.id), 'GAMMAL-1', true, \(old)::jsonb, s.id FROM s
                """)
        }
        try await Migrator().migrate(on: connection)
        let fields = try await connection.query("SELECT profile FROM participants WHERE case_reference = 'GAMMAL-1'")[0]
            .decode(PostgresJSONB<ParticipantFields>.self, "profile").value
        #expect(fields.excludedEmployerIDs == [excluded])
        #expect(fields.facts.registeredAtAFSince == CalendarDate(iso: "2024-03-01"))
        #expect(fields.facts.monthsAwayLast15 == 12)
        #expect(fields.maxCommuteKm == 25 && fields.needsHandledare && fields.adaptationNeeds == [.quietWorkspace])
    }
}
