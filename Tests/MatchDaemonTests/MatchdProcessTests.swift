import Foundation
import Testing
@testable import MatchCore

@Suite("matchd as a process")
struct MatchdProcessTests {
    static var binary: URL { BuiltProducts.url("matchd") }

    @Test func migratesOnStartAndExitsZeroOnSIGTERM() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        let daemon = try DaemonProcess(conninfo: conninfo)
        let connection = try await PostgresConnection.connect(conninfo)
        let migrated = try await waitUntil(timeout: .seconds(30)) {
            (try? await Migrator().isUpToDate(on: connection)) ?? false
        }
        #expect(migrated)
        daemon.terminate()
        #expect(await daemon.waitForExit() == 0)
        #expect(daemon.exitedNormally)
        await connection.close()
    }

    /// SIGTERM while matchd still waits for its database (or migrates) is a clean stop, not a kill by signal.
    @Test func aSIGTERMDuringStartupExitsZero() async throws {
        let missing = "host=/tmp/lotsen-no-server-\(UUID().uuidString.prefix(8)) dbname=lotsen connect_timeout=1"
        let daemon = try DaemonProcess(conninfo: missing, extra: ["LOTSEN_DATABASE_ACQUIRE_TIMEOUT_MS": "60000"])
        let starting = try await waitUntil(timeout: .seconds(30)) { daemon.log.contains("connecting to the database") }
        #expect(starting)
        try await Task.sleep(for: .milliseconds(300))
        daemon.terminate()
        #expect(await daemon.waitForExit(timeout: .seconds(10)) == 0)
        #expect(daemon.exitedNormally)
        #expect(daemon.log.contains("stopped before it had started"))
    }

    /// `--print-config`: every key with its value and source (default, file, environment, flag),
    /// the database password masked, and nothing started.
    @Test func printsTheEffectiveConfigurationWithSourcesAndSecretsMasked() throws {
        let path = NSTemporaryDirectory() + "lotsen-matchd-\(UUID().uuidString).toml"
        try "[log]\nlevel = \"debug\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--config", path, "--port", "9999", "--print-config"]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LOTSEN_") }
        environment["LOTSEN_DATABASE_URL"] = "postgresql://lotsen:hemligt-losen@db.internal/lotsen"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        let lines = text.split(separator: "\n").map { $0.split(separator: "#", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) } }
        func line(_ key: String) -> [String]? { lines.first { $0.first?.hasPrefix(key + " = ") == true } }
        #expect(line("database.url") == ["database.url = postgresql://lotsen:***@db.internal/lotsen", "LOTSEN_DATABASE_URL"])
        #expect(line("log.level") == ["log.level = debug", path])
        #expect(line("http.port") == ["http.port = 9999", "command line"])
        #expect(line("queue.lease_ms") == ["queue.lease_ms = 30000", "default"])
        #expect(!text.contains("hemligt-losen"))
    }

    @Test func refusesAnUnknownConfigurationKey() throws {
        let path = NSTemporaryDirectory() + "lotsen-matchd-\(UUID().uuidString).toml"
        try "[database]\nurll = \"x\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--config", path]
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("database.urll"))
    }
}
