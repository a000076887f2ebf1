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

/// `matchd --dev` as a new user first runs it: a development cluster of its own and the demo
/// data set in it, loaded once.
@Suite("matchd --dev's first run", .serialized)
struct DevFirstRunTests {
    @Test func aFirstRunLoadsTheDemoAndALaterOneDoesNot() async throws {
        let folder = "/tmp/lotsen-test/devdemo-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["LOTSEN_DEV_DIR": folder]
        defer { _ = try? ProcessRunner.run(BuiltProducts.url("matchctl").path, ["dev", "--stop"], asServerUser: false, environment: environment) }
        // No matching here: loading is the point, and a thousand debug-built jobs would only load the machine.
        let daemonEnvironment = environment.merging(["LOTSEN_QUEUE_MATCHING": "0"]) { $1 }
        // The cluster is started by matchctl, so the server is not matchd's child: Foundation's Process
        // does not always see a child exit whose own child lives on.
        _ = try await offCooperativePool {
            try ProcessRunner.run(BuiltProducts.url("matchctl").path, ["dev"], asServerUser: false, environment: environment)
        }

        let first = try DaemonProcess(conninfo: "", queues: [:], extra: daemonEnvironment, arguments: ["--dev"])
        let loaded = try await waitUntil(timeout: .seconds(180)) { first.log.contains("loaded the demo data set") }
        #expect(loaded, "\(first.log)")
        #expect(first.log.contains("100 employers, 300 offers, 1000 participants"))
        first.terminate()
        #expect(await first.waitForExit(timeout: .seconds(60)) == 0, "\(first.log)")

        let second = try DaemonProcess(conninfo: "", queues: [:], extra: daemonEnvironment, arguments: ["--dev"])
        #expect(try await waitUntil(timeout: .seconds(60)) { second.log.contains("matchd running") }, "\(second.log)")
        second.terminate()
        #expect(await second.waitForExit(timeout: .seconds(60)) == 0)
        #expect(!second.log.contains("loaded the demo data set"), "the data set is loaded once")
    }
}
