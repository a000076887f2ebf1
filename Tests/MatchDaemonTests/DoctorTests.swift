import Foundation
import Testing
@testable import MatchCore

/// `matchctl doctor` against real trouble: a stopped server, a pending migration, daemons that
/// disagree on matching settings; and a sound installation that passes.
@Suite("matchctl doctor", .serialized)
struct DoctorTests {
    /// Runs `matchctl doctor --json`; its exit status and its findings by check.
    static func doctor(_ conninfo: String) async throws -> (status: Int32, ok: Bool?, findings: [String: [[String: Any]]], output: String) {
        let matchctl = BuiltProducts.url("matchctl").path
        let (status, output) = try await offCooperativePool { () -> (Int32, String) in
            do {
                return (0, try ProcessRunner.run(matchctl, ["doctor", "--json", "--database-url", conninfo], asServerUser: false))
            } catch let failure as ProcessRunner.Failure {
                return (failure.status, failure.output)
            }
        }
        let line = output.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? "{}"
        let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        let findings = Dictionary(grouping: (object["findings"] as? [[String: Any]]) ?? []) { $0["check"] as? String ?? "" }
        return (status, object["ok"] as? Bool, findings, output)
    }

    static func problem(_ findings: [String: [[String: Any]]], _ check: String) -> [String: Any]? {
        findings[check]?.first { $0["ok"] as? Bool == false }
    }

    @Test func aStoppedDatabaseIsAProblemWithAdvice() async throws {
        let cluster = try TestPostgres.makeThrowawayCluster(name: "doctor-\(getpid())")
        defer { cluster.destroy() }
        #expect(try await Self.doctor(cluster.connectionString()).findings["database"]?.first?["ok"] as? Bool == true)
        try cluster.stop()
        let stopped = try await Self.doctor(cluster.connectionString())
        #expect(stopped.status == 1, "\(stopped.output)")
        #expect(stopped.ok == false)
        let finding = try #require(Self.problem(stopped.findings, "database"), "\(stopped.output)")
        #expect((finding["summary"] as? String)?.hasPrefix("unreachable") == true)
        #expect((finding["advice"] as? String)?.contains("start PostgreSQL") == true)
    }

    @Test func aPendingMigrationIsNamed() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        let last = try #require(EmbeddedMigrations.all.last)
        try await connection.execute("DELETE FROM schema_migrations WHERE version = \(last.version)")
        await connection.close()
        let result = try await Self.doctor(conninfo)
        #expect(result.status == 1, "\(result.output)")
        let finding = try #require(Self.problem(result.findings, "migrations"), "\(result.output)")
        #expect(finding["summary"] as? String == "1 pending: " + String(format: "%04d_", last.version) + last.name)
        #expect((finding["advice"] as? String)?.contains("matchctl migrate") == true)

        let fresh = try await Self.doctor(try await TestPostgres.shared.makeDatabase(migrated: false))
        #expect(fresh.status == 1)
        #expect((Self.problem(fresh.findings, "migrations")?["summary"] as? String)?.hasPrefix("\(EmbeddedMigrations.all.count) pending") == true)
    }

    @Test func aSoundInstallationPassesAndDifferentMatchingSettingsDoNot() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let first = try DaemonProcess(conninfo: conninfo)
        defer { first.terminate() }
        // No daemon yet, then one that leads.
        var result = try await Self.doctor(conninfo)
        let sound = try await waitUntil(timeout: .seconds(30)) {
            result = try await Self.doctor(conninfo)
            return result.status == 0
        }
        #expect(sound, "\(result.output)\n\(first.log)")
        #expect(result.ok == true)
        let leader = try #require(try await Self.daemonIDs(conninfo).first)
        #expect(result.findings["daemons"]?.first?["summary"] as? String == "1 alive; leader: \(leader)")
        #expect(result.findings["clocks"]?.first?["ok"] as? Bool == true)

        let second = try DaemonProcess(conninfo: conninfo, extra: ["LOTSEN_MATCHING_WEIGHT_INTERESTS": "0.10",
                                                                   "LOTSEN_MATCHING_WEIGHT_WAITING_TIME": "0.05"])
        defer { second.terminate() }
        let differ = try await waitUntil(timeout: .seconds(30)) {
            result = try await Self.doctor(conninfo)
            return Self.problem(result.findings, "matching settings") != nil
        }
        #expect(differ, "\(result.output)\n\(second.log)")
        #expect(result.status == 1)
        #expect((Self.problem(result.findings, "matching settings")?["advice"] as? String)?.contains("SIGHUP") == true)
    }

    static func daemonIDs(_ conninfo: String) async throws -> [String] {
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        return try await connection.query("SELECT id FROM queue_daemons WHERE stopped_at IS NULL").map { try $0.decode(String.self, "id") }
    }
}
