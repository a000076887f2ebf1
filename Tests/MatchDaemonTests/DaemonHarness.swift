import Foundation
@testable import MatchCore

/// Built binaries, found beside the test bundle.
enum BuiltProducts {
    static func url(_ name: String) -> URL {
        var url = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) && url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent(name)
    }
}

/// A `matchd` process against a test database, with short leases so that failures show quickly.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String

    /// `arguments` replace `--database-url conninfo` (a `--dev` daemon takes no url).
    init(conninfo: String, queues: [String: Int] = ["default": 20], extra: [String: String] = [:], arguments: [String]? = nil) throws {
        logPath = NSTemporaryDirectory() + "lotsen-matchd-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        process.executableURL = BuiltProducts.url("matchd")
        process.arguments = arguments ?? ["--database-url", conninfo]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LOTSEN_") }
        environment["LOTSEN_QUEUE_LEASE_MS"] = "2000"
        environment["LOTSEN_QUEUE_HEARTBEAT_MS"] = "300"
        environment["LOTSEN_QUEUE_LEADER_LEASE_MS"] = "1500"
        environment["LOTSEN_QUEUE_RESCUE_INTERVAL_MS"] = "200"
        environment["LOTSEN_QUEUE_POLL_INTERVAL_MS"] = "200"
        // Each daemon listens on a port of its own, so several can run at once.
        environment["LOTSEN_HTTP_PORT"] = String(try freePort())
        for (queue, concurrency) in queues { environment["LOTSEN_QUEUE_\(queue.uppercased())"] = String(concurrency) }
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func terminate() { process.terminate() }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits for the process to exit; returns its status, or nil when it did not exit in time.
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Whether the process ended by exiting (rather than by an uncaught signal).
    var exitedNormally: Bool { !process.isRunning && process.terminationReason == .exit }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        unlink(logPath)
    }
}

/// Counts of jobs by state.
func jobCounts(_ connection: PostgresConnection) async throws -> [JobState: Int] {
    var counts: [JobState: Int] = [:]
    for row in try await connection.query("SELECT state::text AS state, count(*) AS n FROM jobs GROUP BY state") {
        counts[try row.decode(JobState.self, "state")] = try row.decode(Int.self, "n")
    }
    return counts
}

/// Polls until `condition` holds or `timeout` passes.
func waitUntil(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Inserts `count` noop jobs with COPY.
func enqueueNoops(_ count: Int, sleepMilliseconds: Int? = nil, queue: String = "default",
                  on connection: PostgresConnection) async throws {
    let job = try JobInsert(NoopJob.self, NoopJob.Arguments(sleepMilliseconds: sleepMilliseconds), queue: queue)
    _ = try await connection.withTransaction {
        try await JobQueue().enqueue(copying: Array(repeating: job, count: count), in: $0)
    }
    try await connection.execute("SELECT pg_notify(\(JobQueue.wakeupChannel), \(queue))")
}

/// Runs blocking work (a child process to its end) on a thread of its own: on the cooperative
/// pool, as wide as the cores, two such waits would stall every other test of the process.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
