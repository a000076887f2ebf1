import ArgumentParser
import Foundation
import Logging
import MatchCore
import ServiceLifecycle
import Synchronization

/// `matchctl bench queue`: insert N no-op jobs with COPY, drain them with the worker runtime,
/// then time single enqueues on the idle runtime from commit to start.
struct BenchQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Insert and drain throughput of the job queue, and wake-up latency of an idle runtime."
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "How many jobs to insert and drain.") var jobs = 50_000
    // No-op jobs cost next to nothing, so many in flight keep fetch and completion batches large.
    @Option(help: "Jobs run at once (the bench queue's concurrency).") var concurrency = 1000
    @Option(help: "Single enqueues timed for the wake-up latency.") var wakeups = 200
    @Flag(help: "Print one JSON object.") var json = false

    struct Figures: Encodable {
        var jobs: Int
        var insertJobsPerSecond: Int
        var drainJobsPerSecond: Int
        var wakeupP50Milliseconds: Double
        var wakeupP99Milliseconds: Double

        enum CodingKeys: String, CodingKey {
            case jobs
            case insertJobsPerSecond = "insert_jobs_per_s"
            case drainJobsPerSecond = "drain_jobs_per_s"
            case wakeupP50Milliseconds = "wakeup_p50_ms"
            case wakeupP99Milliseconds = "wakeup_p99_ms"
        }
    }

    func validate() throws {
        guard (1...10_000_000).contains(jobs) else { throw ValidationError("--jobs must be from 1 to 10000000") }
        guard (1...5000).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 5000") }
        guard (1...100_000).contains(wakeups) else { throw ValidationError("--wakeups must be from 1 to 100000") }
    }

    func run() async throws {
        let conninfo = try await database.connectionString()
        let queueName = "bench_\(getpid())"
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 8))
        let tracker = BenchTracker()
        var registry = WorkerRegistry()
        registry.register(BenchWorker(tracker: tracker))
        var runtimeConfiguration = QueueRuntimeConfiguration(queues: [queueName: concurrency])
        runtimeConfiguration.pollInterval = .seconds(5)
        let runtime = QueueRuntime(configuration: runtimeConfiguration, pool: pool, registry: registry,
                                   logger: Logger(label: "lotsen.bench"))
        // 1. Insert with COPY, without a running runtime.
        let inserts = (0..<jobs).map { _ in JobInsert(kind: BenchJob.name, queue: queueName) }
        let insertStart = ContinuousClock.now
        _ = try await pool.withTransaction { try await JobQueue().enqueue(copying: inserts, in: $0) }
        let insertSeconds = (ContinuousClock.now - insertStart).inSeconds

        // 2. Drain with the runtime; done when every job is recorded completed.
        let group = ServiceGroup(services: runtime.services, logger: Logger(label: "lotsen.bench"))
        let running = Task { try await group.run() }
        let drainStart = ContinuousClock.now
        while tracker.started < jobs { try await Task.sleep(for: .milliseconds(2)) }
        while try await completedCount(pool, queueName) < jobs { try await Task.sleep(for: .milliseconds(5)) }
        let drainSeconds = (ContinuousClock.now - drainStart).inSeconds

        // 3. Wake-ups: one job at a time on the idle runtime, NOTIFY after commit, as the daemon does.
        try await Task.sleep(for: .milliseconds(200))
        let enqueuer = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 2))
        var latencies: [Double] = []
        for _ in 0..<wakeups {
            let before = tracker.started
            let committed = Mutex<ContinuousClock.Instant?>(nil)
            try await enqueuer.withTransaction { transaction in
                _ = try await JobQueue().enqueue(JobInsert(kind: BenchJob.name, queue: queueName), in: transaction)
                transaction.afterCommit {
                    committed.withLock { $0 = .now }
                    _ = try? await enqueuer.query("SELECT pg_notify(\(JobQueue.wakeupChannel), \(queueName))")
                }
            }
            while tracker.started == before { try await Task.sleep(for: .microseconds(100)) }
            if let start = tracker.lastStart, let commit = committed.withLock({ $0 }) {
                latencies.append((start - commit).inSeconds * 1000)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        _ = try? await pool.execute("DELETE FROM jobs WHERE queue = \(queueName)")
        await enqueuer.close()
        await pool.close()

        latencies.sort()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let value = latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
            return (value * 1000).rounded() / 1000
        }
        let figures = Figures(jobs: jobs, insertJobsPerSecond: Int(Double(jobs) / insertSeconds),
                              drainJobsPerSecond: Int(Double(jobs) / drainSeconds),
                              wakeupP50Milliseconds: percentile(0.5), wakeupP99Milliseconds: percentile(0.99))
        if json { return try Output.json(figures) }
        Output.table(["FIGURE", "VALUE"], [
            ["jobs", String(figures.jobs)], ["insert jobs/s (COPY)", String(figures.insertJobsPerSecond)],
            ["drain jobs/s", String(figures.drainJobsPerSecond)],
            ["wake-up p50 ms", String(figures.wakeupP50Milliseconds)],
            ["wake-up p99 ms", String(figures.wakeupP99Milliseconds)],
        ])
    }

    private func completedCount(_ pool: PostgresPool, _ queue: String) async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM jobs WHERE queue = \(queue) AND state = 'completed'")[0]
            .decode(Int.self, "n")
    }
}

/// The benchmark's job: does nothing but note when it started.
enum BenchJob: JobKind {
    struct Arguments: Codable, Sendable {}
    static let name = "noop"
    static let queue = "default"
}

/// Counts starts and keeps the last start time.
final class BenchTracker: Sendable {
    private let state = Mutex<(count: Int, last: ContinuousClock.Instant?)>((0, nil))
    var started: Int { state.withLock { $0.count } }
    var lastStart: ContinuousClock.Instant? { state.withLock { $0.last } }
    func noteStart() { state.withLock { $0 = ($0.count + 1, .now) } }
}

struct BenchWorker: JobWorker {
    typealias Kind = BenchJob
    let tracker: BenchTracker
    func work(_ arguments: BenchJob.Arguments, context: JobContext) async throws -> JobOutcome {
        tracker.noteStart()
        return .complete
    }
}
