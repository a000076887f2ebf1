import ArgumentParser
import Foundation
import MatchCore

/// `matchctl bench pg`: round trips per second of a prepared `SELECT $1::int`, on one connection
/// and on a pool of 4, beside `pgbench -S -M prepared` with 1 and 4 clients on the same server.
struct BenchPostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg",
        abstract: "Round trips per second of the libpq wrapper beside pgbench, as ratios."
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Seconds per measurement.") var seconds: Double = 3
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Skip pgbench (when the user may not create a database).") var skipPgbench = false

    struct Figures: Encodable {
        var lotsenOneConnectionPerSecond: Double
        var lotsenPoolOf4PerSecond: Double
        var pgbenchClients1TPS: Double?
        var pgbenchClients4TPS: Double?
        var ratioOneConnection: Double?
        var ratioPoolOf4: Double?

        enum CodingKeys: String, CodingKey {
            case lotsenOneConnectionPerSecond = "lotsen_one_connection_per_s"
            case lotsenPoolOf4PerSecond = "lotsen_pool4_per_s"
            case pgbenchClients1TPS = "pgbench_c1_tps"
            case pgbenchClients4TPS = "pgbench_c4_tps"
            case ratioOneConnection = "ratio_one_connection"
            case ratioPoolOf4 = "ratio_pool4"
        }
    }

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be from 0 to 600") }
    }

    func run() async throws {
        let conninfo = try await database.connectionString()
        let duration = Duration.milliseconds(Int(seconds * 1000))
        let one = try await Self.measureOneConnection(conninfo, duration: duration)
        let pooled = try await Self.measurePool(conninfo, clients: 4, duration: duration)
        var figures = Figures(lotsenOneConnectionPerSecond: one, lotsenPoolOf4PerSecond: pooled)
        if !skipPgbench {
            let (c1, c4) = try await PgbenchRun.run(conninfo: conninfo, seconds: seconds)
            figures.pgbenchClients1TPS = c1
            figures.pgbenchClients4TPS = c4
            figures.ratioOneConnection = (one / c1 * 1000).rounded() / 1000
            figures.ratioPoolOf4 = (pooled / c4 * 1000).rounded() / 1000
        }
        if json {
            try Output.json(figures)
            return
        }
        func format(_ value: Double?) -> String { value.map { String(format: "%.0f", $0) } ?? "-" }
        func ratio(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
        Output.table(["", "1 CONNECTION", "4 CONNECTIONS"], [
            ["lotsen (prepared SELECT $1::int) /s", format(one), format(pooled)],
            ["pgbench -S -M prepared tps", format(figures.pgbenchClients1TPS), format(figures.pgbenchClients4TPS)],
            ["ratio", ratio(figures.ratioOneConnection), ratio(figures.ratioPoolOf4)],
        ])
    }

    static func measureOneConnection(_ conninfo: String, duration: Duration) async throws -> Double {
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        for n in 0..<200 { _ = try await connection.query("SELECT \(Int32(n))::int AS n") }
        let start = ContinuousClock.now
        var count = 0
        while ContinuousClock.now - start < duration {
            let rows = try await connection.query("SELECT \(Int32(truncatingIfNeeded: count))::int AS n")
            guard try rows[0].decode(Int32.self, "n") == Int32(truncatingIfNeeded: count) else {
                throw CommandFailure("the server answered a different value than was sent")
            }
            count += 1
        }
        return Double(count) / (ContinuousClock.now - start).inSeconds
    }

    static func measurePool(_ conninfo: String, clients: Int, duration: Duration) async throws -> Double {
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: clients))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<clients { group.addTask { _ = try await pool.query("SELECT \(Int32(1))::int AS n") } }
            try await group.waitForAll()
        }
        let start = ContinuousClock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now - start < duration {
                        _ = try await pool.query("SELECT \(Int32(truncatingIfNeeded: count))::int AS n")
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = (ContinuousClock.now - start).inSeconds
        await pool.close()
        return Double(total) / elapsed
    }
}

