import Foundation
import Testing
@testable import MatchCore

/// SIGHUP in a running matchd: what can change applies at once, a broken file is refused whole
/// and the daemon runs on, and new matching weights rematch what was matched with the old.
@Suite("matchd reloads its configuration on SIGHUP", .serialized)
struct ConfigurationReloadTests {
    static let base = """
        [queue]
        default = 3
        matching = 2
        notify = 2

        """

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func theLevelAndConcurrencyChangeABrokenFileIsRefusedAndNewWeightsRematch() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let path = NSTemporaryDirectory() + "lotsen-reload-\(UUID().uuidString).toml"
        defer { unlink(path) }
        try Self.write(Self.base + "[log]\nlevel = \"info\"\n", to: path)
        let port = try freePort()
        let daemon = try DaemonProcess(conninfo: conninfo, queues: [:], extra: [
            "LOTSEN_CONFIG": path, "LOTSEN_LOG_FORMAT": "json", "LOTSEN_HTTP_PORT": String(port),
        ])
        defer { daemon.terminate() }
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        func concurrency(_ queue: String) async throws -> Int? {
            try await connection.query("""
                SELECT (queues ->> \(queue))::int AS n FROM queue_daemons WHERE stopped_at IS NULL ORDER BY started_at DESC LIMIT 1
                """).first?.decode(Int?.self, "n") ?? nil
        }
        func debugLinesOfJobs() -> Int {
            daemon.log.split(separator: "\n").filter { $0.contains("\"level\":\"debug\"") && $0.contains("\"job ran\"") }.count
        }
        #expect(try await waitUntil(timeout: .seconds(30)) { try await concurrency("default") == 3 }, "\(daemon.log)")
        try await enqueueNoops(2, on: connection)
        #expect(try await waitUntil(timeout: .seconds(10)) { try await jobCounts(connection)[.completed] == 2 })
        #expect(debugLinesOfJobs() == 0, "info level logs no debug line")

        // Level and concurrency, at once.
        try Self.write(Self.base.replacingOccurrences(of: "default = 3", with: "default = 7") + "[log]\nlevel = \"debug\"\n", to: path)
        kill(daemon.pid, SIGHUP)
        #expect(try await waitUntil(timeout: .seconds(10)) { try await concurrency("default") == 7 }, "\(daemon.log)")
        #expect(daemon.log.contains("log.level: info → debug") && daemon.log.contains("queue.default: 3 → 7"), "\(daemon.log)")
        try await enqueueNoops(2, on: connection)
        #expect(try await waitUntil(timeout: .seconds(10)) { debugLinesOfJobs() == 2 }, "\(daemon.log)")
        // The fetcher runs the new concurrency, not only reports it: seven slow jobs run at once.
        func running() async throws -> Int { try await jobCounts(connection)[.running] ?? 0 }
        try await enqueueNoops(7, sleepMilliseconds: 3000, on: connection)
        let allSeven = try await waitUntil(timeout: .seconds(3)) { try await running() == 7 }
        let counts = try await jobCounts(connection)
        #expect(allSeven, "\(counts)")
        #expect(try await waitUntil(timeout: .seconds(10)) { try await (jobCounts(connection)[.completed] ?? 0) >= 11 })

        // A broken file changes nothing, and the daemon runs on.
        try Self.write(Self.base.replacingOccurrences(of: "default = 3", with: "default = 1") + "[log]\nlevel = \"loud\"\n", to: path)
        kill(daemon.pid, SIGHUP)
        #expect(try await waitUntil(timeout: .seconds(10)) { daemon.log.contains("configuration reload refused") }, "\(daemon.log)")
        let refusal = daemon.log.split(separator: "\n").first { $0.contains("configuration reload refused") }.map(String.init) ?? ""
        #expect(refusal.contains("\"key\":\"log.level\""), "the refusal names the key: \(refusal)")
        try await enqueueNoops(1, on: connection)
        #expect(try await waitUntil(timeout: .seconds(10)) { debugLinesOfJobs() == 10 }, "still at debug: \(daemon.log)")
        #expect(try await concurrency("default") == 7)
        #expect(try await APIClient(base: "http://127.0.0.1:\(port)").get("/readyz").status == 200)

        // New weights: applied, reported, and everything is matched again with them.
        let token = try await connection.withTransaction { tx in
            _ = try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data), loadedBy: "test", in: tx)
            let forbund = try await TenancyStore().createForbund(name: "Omladdning", in: tx)
            return try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: nil, in: tx).token
        }
        let api = APIClient(base: "http://127.0.0.1:\(port)", token: token)
        let participant = try #require(try await api.post("/v1/participants", participantBody(["hours_per_week": 25])).json["id"] as? String)
        #expect(try await api.post("/v1/participants/\(participant)/consents", ["purpose": "matching", "given_on": "2026-01-10"]).status == 201)
        let employer = try #require(try await api.post("/v1/employers", [
            "organisationsnummer": PublicBodies.linkopingsKommun, "name": "Linköpings kommun", "sector": "public",
        ]).json["id"] as? String)
        _ = try #require(try await api.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).json["id"] as? String)
        func interestsWeights() async throws -> [Double] {
            try await connection.query("SELECT (weights ->> 'interests')::float8 AS w FROM suggestions WHERE state = 'proposed'")
                .map { try $0.decode(Double.self, "w") }
        }
        #expect(try await waitUntil(timeout: .seconds(30)) { try await interestsWeights() == [0.05] }, "\(daemon.log)")
        let fingerprint = try await connection.query("SELECT matching_settings FROM queue_daemons WHERE stopped_at IS NULL")
            .first?.decode(String?.self, "matching_settings")

        try Self.write(Self.base + "[log]\nlevel = \"debug\"\n[matching]\nweight_interests = 0.10\nweight_waiting_time = 0.05\n", to: path)
        kill(daemon.pid, SIGHUP)
        #expect(try await waitUntil(timeout: .seconds(30)) { try await interestsWeights() == [0.10] }, "\(daemon.log)")
        #expect(daemon.log.contains("matching.weight_interests: 0.05 → 0.10") || daemon.log.contains("matching.weight_interests: 0.05 → 0.1"),
                "\(daemon.log)")
        let reloadJobs = try await connection.query("""
            SELECT count(*) AS n FROM jobs WHERE kind IN ('match.participant', 'match.offer') AND meta ->> 'actor' = 'system:reload'
            """)[0].decode(Int.self, "n")
        #expect(reloadJobs == 2, "one job for the participant, one for the offer")
        #expect(try await waitUntil(timeout: .seconds(10)) {
            try await connection.query("SELECT matching_settings FROM queue_daemons WHERE stopped_at IS NULL")
                .first?.decode(String?.self, "matching_settings") != fingerprint
        }, "the heartbeat reports the new settings for matchctl doctor")
        #expect(daemon.process.isRunning)
    }
}
