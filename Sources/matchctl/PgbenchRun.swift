import Foundation
import MatchCore

/// Runs `pgbench -S -M prepared` against a scratch database on the same server.
enum PgbenchRun {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Transactions per second with 1 client and with 4.
    static func run(conninfo: String, seconds: Double) async throws -> (Double, Double) {
        let pgbench = try findPgbench()
        let name = "lotsen_pgbench_\(getpid())"
        let admin = try await PostgresConnection.connect(conninfo)
        try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name)")
        try await admin.execute("CREATE DATABASE \(identifier: name)")
        defer {
            Task {
                _ = try? await admin.execute("DROP DATABASE IF EXISTS \(identifier: name)")
                await admin.close()
            }
        }
        let target = ConnectionString.replacingDatabase(in: conninfo, with: name)
        _ = try runProcess(pgbench, ["-i", "-s", "1", "-q", target])
        let duration = String(max(1, Int(seconds.rounded())))
        let one = try tps(try runProcess(pgbench, ["-n", "-S", "-M", "prepared", "-c", "1", "-j", "1", "-T", duration, target]))
        let four = try tps(try runProcess(pgbench, ["-n", "-S", "-M", "prepared", "-c", "4", "-j", "2", "-T", duration, target]))
        return (one, four)
    }

    private static func tps(_ output: String) throws -> Double {
        for line in output.split(separator: "\n") where line.hasPrefix("tps = ") {
            let number = line.dropFirst(6).split(separator: " ").first.flatMap { Double($0) }
            if let number { return number }
        }
        throw Failure(description: "pgbench printed no tps line")
    }

    private static func findPgbench() throws -> String {
        var candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/pgbench" }
        if let bin = try? LocalPostgresCluster.findBinDirectory() { candidates.append(bin + "/pgbench") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "pgbench not found; install it with: apt-get install postgresql-contrib")
        }
        return found
    }

    private static func runProcess(_ program: String, _ arguments: [String]) throws -> String {
        try ProcessRunner.run(program, arguments, asServerUser: false)
    }
}
