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
