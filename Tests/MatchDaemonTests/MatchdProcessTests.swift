import Foundation
import Testing
@testable import MatchCore

@Suite("matchd as a process")
struct MatchdProcessTests {
    static var binary: URL { BuiltProducts.url("matchd") }

    @Test func migratesOnStartAndExitsZeroOnSIGTERM() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase(migrated: false)
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--database-url", conninfo]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let connection = try await PostgresConnection.connect(conninfo)
        let migrated = try await waitUntil(timeout: .seconds(10)) {
            (try? await Migrator().isUpToDate(on: connection)) ?? false
        }
        #expect(migrated)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        await connection.close()
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
