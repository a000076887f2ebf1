import Foundation
import Testing
@testable import MatchCore

/// The built `matchctl`, run as a separate process, as an operator would.
enum Binaries {
    static var folder: URL {
        // Test bundles and the products they depend on are built into one folder.
        var url = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("matchctl").path) && url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// Runs a built program to its end; posix_spawn and waitpid, since Foundation's Process does not
    /// always reap a child whose own child (a server) lives on.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        do {
            return (0, try ProcessRunner.run(folder.appendingPathComponent(name).path, arguments, asServerUser: false,
                                             environment: environment))
        } catch let failure as ProcessRunner.Failure {
            return (failure.status, failure.output)
        }
    }
}

extension Binaries {
    /// `run` on a thread of its own, off the cooperative pool: a long command must not stall the
    /// other tests of the process while it runs.
    static func runOffPool(_ name: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try run(name, arguments, environment: environment) }) }
        }
    }
}

@Suite("matchctl as a process")
struct MatchctlProcessTests {
    @Test func migrateThenStatus() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        let (status, output) = try Binaries.run("matchctl", ["migrate", "--database-url", conninfo])
        #expect(status == 0, "\(output)")
        #expect(output.contains("applied 0001_jobs.sql"))
        let (again, second) = try Binaries.run("matchctl", ["migrate"], environment: ["LOTSEN_DATABASE_URL": conninfo])
        #expect(again == 0)
        #expect(second.contains("schema up to date"))
        let (listed, table) = try Binaries.run("matchctl", ["migrate", "status", "--database-url", conninfo])
        #expect(listed == 0)
        #expect(table.contains("0001") && table.contains("applied"))
    }

    @Test func twoProcessesMigratingAtOnceApplyEachMigrationOnce() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        async let first = Task.detached { try Binaries.run("matchctl", ["migrate", "--database-url", conninfo]) }.value
        async let second = Task.detached { try Binaries.run("matchctl", ["migrate", "--database-url", conninfo]) }.value
        let results = try await [first, second]
        #expect(results.allSatisfy { $0.0 == 0 }, "\(results)")
        let applied = results.map { $0.1.components(separatedBy: "applied 0001_jobs.sql").count - 1 }.reduce(0, +)
        #expect(applied == 1)
        let connection = try await PostgresConnection.connect(conninfo)
        let count = try await connection.query("SELECT count(*) AS n FROM schema_migrations")[0].decode(Int.self, "n")
        #expect(count == EmbeddedMigrations.all.count)
        await connection.close()
    }

    @Test func aBinaryCopiedAloneStillHasItsMigrations() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        let lonely = FileManager.default.temporaryDirectory.appendingPathComponent("lotsen-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: lonely, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: lonely) }
        let copy = lonely.appendingPathComponent("matchctl")
        // Copied by cp, not in this process: a file this process writes is open for writing in it,
        // and a daemon another test forks meanwhile inherits that descriptor for its whole life,
        // so executing the copy would fail with ETXTBSY ("text file busy") for as long.
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = [Binaries.folder.appendingPathComponent("matchctl").path, copy.path]
        try cp.run()
        cp.waitUntilExit()
        #expect(cp.terminationStatus == 0)
        let process = Process()
        process.executableURL = copy
        process.arguments = ["migrate", "--database-url", conninfo]
        process.currentDirectoryURL = lonely
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let connection = try await PostgresConnection.connect(conninfo)
        let up = try await Migrator().isUpToDate(on: connection)
        #expect(up)
        await connection.close()
    }

    @Test func aBadDatabaseURLIsAClearError() throws {
        let (status, output) = try Binaries.run("matchctl", ["migrate", "--database-url", "host=/nonexistent-lotsen dbname=x"])
        #expect(status != 0)
        #expect(output.contains("could not connect"))
    }

    @Test func tokensCreatePrintsTheTokenLast() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let (created, _) = try Binaries.run("matchctl", ["forbund", "create", "Finsam Test", "--database-url", conninfo])
        #expect(created == 0)
        let (status, output) = try Binaries.run("matchctl", ["tokens", "create", "--role", "coordinator", "--forbund", "finsam test",
                                                             "--database-url", conninfo])
        #expect(status == 0, "\(output)")
        let token = try #require(output.split(separator: "\n").last.map(String.init))
        #expect(token.hasPrefix("lotsen_"))
        let connection = try await PostgresConnection.connect(conninfo)
        let principal = try await TokenStore().authenticate(token, on: connection)
        #expect(principal?.role == .coordinator)
        await connection.close()
        let (refused, message) = try Binaries.run("matchctl", ["tokens", "create", "--role", "coordinator", "--database-url", conninfo])
        #expect(refused != 0)
        #expect(message.contains("/forbund"))
    }

    @Test func anEmployerTokenIsBoundToItsEmployer() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        let employer = try await connection.withTransaction { tx in
            let forbund = try await TenancyStore().createForbund(name: "Finsam Öst", in: tx)
            return try await EmployerStore().create(
                forbundID: forbund.id, number: try Organisationsnummer("212000-0142"),
                fields: EmployerFields(name: "Stockholms stad", sector: .public, responsibleCoordinatorID: nil, notes: "",
                                       addresses: [], contacts: [], supportGiven: []), in: tx)
        }
        let (user, userOutput) = try Binaries.run("matchctl", ["users", "create", "--forbund", "Finsam Öst", "--kind", "employer",
                                                               "--employer", "2120000142", "--name", "Eva", "--email", "eva@example.se",
                                                               "--database-url", conninfo])
        #expect(user == 0, "\(userOutput)")
        let (status, output) = try Binaries.run("matchctl", ["tokens", "create", "--role", "employer", "--forbund", "Finsam Öst",
                                                             "--user", "eva@example.se", "--database-url", conninfo])
        #expect(status == 0, "\(output)")
        let token = try #require(output.split(separator: "\n").last.map(String.init))
        let principal = try await TokenStore().authenticate(token, on: connection)
        #expect(principal?.role == .employer)
        #expect(principal?.employerID == employer.id)
        let (unknown, message) = try Binaries.run("matchctl", ["tokens", "create", "--role", "employer", "--forbund", "Finsam Öst",
                                                               "--employer", "202100-5448", "--database-url", conninfo])
        #expect(unknown != 0)
        #expect(message.contains("no employer 202100-5448"))
        let (bad, badMessage) = try Binaries.run("matchctl", ["tokens", "create", "--role", "employer", "--forbund", "Finsam Öst",
                                                              "--employer", "212000-0143", "--database-url", conninfo])
        #expect(bad != 0)
        #expect(badMessage.contains("check digit"))
    }

    @Test func aSupportCatalogLoadsWholeOrNotAtAllAndChangesNeedANewVersion() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        func versions() async throws -> Int {
            try await connection.query("SELECT count(*) AS n FROM support_versions")[0].decode(Int.self, "n")
        }
        let (seeded, seedOutput) = try Binaries.run("matchctl", ["supports", "load", "--seed", "--database-url", conninfo])
        #expect(seeded == 0, "\(seedOutput)")
        #expect(seedOutput.contains("loaded 8 new version(s)"))
        let (again, againOutput) = try Binaries.run("matchctl", ["supports", "load", "--seed", "--database-url", conninfo])
        #expect(again == 0)
        #expect(againOutput.contains("0 new version(s), 8 unchanged"))

        // One good support and one with a misspelt fact: nothing is loaded, and the place is named.
        var catalog = try #require(try JSONSerialization.jsonObject(with: SeedSupportCatalog.data) as? [String: Any])
        let supports = try #require(catalog["supports"] as? [[String: Any]])
        var newer = supports[0]
        newer["valid_from"] = "2027-01-01"
        var broken = supports[1]
        broken["valid_from"] = "2027-01-01"
        broken["rule"] = ["fact": "participant.age", "op": ">=", "value": 20]
        catalog["supports"] = [newer, broken]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(getpid()).json")
        try JSONSerialization.data(withJSONObject: catalog).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (refused, message) = try Binaries.run("matchctl", ["supports", "load", file.path, "--database-url", conninfo])
        #expect(refused != 0)
        #expect(message.contains("supports[1].rule.fact"))
        #expect(try await versions() == 8)

        // A rule changed under an existing valid_from is refused; under a new one it is version 2.
        var changedInPlace = supports[0]
        changedInPlace["notes"] = "changed"
        catalog["supports"] = [changedInPlace]
        try JSONSerialization.data(withJSONObject: catalog).write(to: file)
        let (inPlace, inPlaceMessage) = try Binaries.run("matchctl", ["supports", "load", file.path, "--database-url", conninfo])
        #expect(inPlace != 0)
        #expect(inPlaceMessage.contains("needs a new valid_from"))
        catalog["supports"] = [newer]
        try JSONSerialization.data(withJSONObject: catalog).write(to: file)
        let (added, _) = try Binaries.run("matchctl", ["supports", "load", file.path, "--database-url", conninfo])
        #expect(added == 0)
        let (listed, listing) = try Binaries.run("matchctl", ["supports", "list", "--json", "--database-url", conninfo])
        #expect(listed == 0)
        #expect(listing.contains("\"version\":2"))
        #expect(try await versions() == 9)
    }

    @Test func devStartsMigratesAndStopsAPrivateCluster() async throws {
        let folder = "/tmp/lotsen-test/dev-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["LOTSEN_DEV_DIR": folder]
        let (started, output) = try Binaries.run("matchctl", ["dev"], environment: environment)
        #expect(started == 0, "\(output)")
        let conninfo = try #require(output.split(separator: "\n").last.map(String.init))
        #expect(conninfo.contains("host=\(folder)"))
        let connection = try await PostgresConnection.connect(conninfo)
        #expect(try await Migrator().isUpToDate(on: connection))
        await connection.close()
        // A second start finds the running cluster; --dev on another command uses it.
        let (again, _) = try Binaries.run("matchctl", ["migrate", "status", "--dev"], environment: environment)
        #expect(again == 0)
        let (stopped, _) = try Binaries.run("matchctl", ["dev", "--stop"], environment: environment)
        #expect(stopped == 0)
        await #expect(throws: PostgresError.self) { try await PostgresConnection.connect(conninfo) }
    }
}
