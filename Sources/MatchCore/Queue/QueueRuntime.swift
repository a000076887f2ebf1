import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The worker runtime of one daemon: fetches jobs of its queues, runs their workers, records
/// results in batches, heartbeats, and, while it leads, rescues and prunes.
///
/// `services` lists its loops, each a `Service` for one `ServiceGroup` (fetcher last, so that on
/// shutdown it stops first and the others outlive its running jobs).
public final class QueueRuntime: Sendable {
    /// The configuration.
    public let configuration: QueueRuntimeConfiguration
    let pool: PostgresPool
    let queue: JobQueue
    /// The workers by kind; `replaceWorkers` swaps some while the daemon runs (a running job keeps its worker).
    private let workers: Mutex<WorkerRegistry>
    let logger: Logger
    let running = RunningJobs()
    let completer: JobCompleter
    let leader: LeaderElection
    let wakeups: [String: WakeSignal]
    let listener: PostgresListener?
    let notifier: WakeupNotifier
    let jobMetrics = JobMetrics()
    let scheduler: PeriodicScheduler
    private let stopping = Atomic<Bool>(false)
    private let stopDeadline = Mutex<ContinuousClock.Instant?>(nil)
    /// Each queue's concurrency now: the configuration's at start, changed by `reconfigure` (SIGHUP).
    private let concurrencies: Mutex<[String: Int]>
    /// The fingerprint of the matching settings this daemon runs with, reported with its heartbeat.
    private let matchingFingerprint = Mutex<String?>(nil)

    /// A runtime over `pool`, running `registry`'s workers.
    public init(configuration: QueueRuntimeConfiguration, pool: PostgresPool, registry: WorkerRegistry,
                periodicJobs: [PeriodicJob] = [], clock: any JobClock = SystemJobClock(),
                logger: Logger = Logger(label: "lotsen.queue")) {
        self.configuration = configuration
        self.pool = pool
        self.queue = JobQueue(clock: clock)
        self.workers = Mutex(registry)
        var logger = logger
        logger[metadataKey: "daemon"] = "\(configuration.daemonID)"
        self.logger = logger
        self.completer = JobCompleter(batchSize: configuration.completionBatchSize)
        self.leader = LeaderElection(daemonID: configuration.daemonID, lease: configuration.leaderLease, clock: clock)
        self.wakeups = configuration.queues.mapValues { _ in WakeSignal() }
        self.concurrencies = Mutex(configuration.queues)
        self.listener = configuration.pollOnly ? nil : PostgresListener(conninfo: pool.configuration.conninfo, logger: logger)
        self.notifier = WakeupNotifier(pool: pool)
        self.scheduler = PeriodicScheduler(jobs: periodicJobs, queue: queue)
        // Every kind and queue this daemon runs shows on /metrics at zero before its first job.
        for kind in registry.kinds { _ = jobMetrics.forKind(kind) }
        for name in configuration.queues.keys { _ = jobMetrics.latency(name) }
    }

    /// Registers workers anew (a registration replaces the kind's worker): jobs started from now on
    /// run with them, running ones finish with the old.
    public func replaceWorkers(_ change: (inout WorkerRegistry) -> Void) {
        workers.withLock { change(&$0) }
    }

    /// How many jobs of `queue` this daemon runs at once now.
    public func concurrency(of queue: String) -> Int { concurrencies.withLock { $0[queue] ?? 0 } }

    /// Every queue's concurrency now.
    public var queueConcurrency: [String: Int] { concurrencies.withLock { $0 } }

    /// Applies new concurrencies to the queues this daemon runs (0 stops fetching; running jobs
    /// finish) and returns what changed; a queue it does not run needs a restart and is returned apart.
    @discardableResult
    public func reconfigure(concurrency wanted: [String: Int]) -> (changed: [String: (from: Int, to: Int)], needRestart: [String]) {
        let result = concurrencies.withLock { current -> ([String: (from: Int, to: Int)], [String]) in
            var changed: [String: (from: Int, to: Int)] = [:]
            for (queue, old) in current {
                let new = wanted[queue] ?? 0
                if new != old { changed[queue] = (old, new); current[queue] = new }
            }
            return (changed, wanted.filter { $0.value > 0 && current[$0.key] == nil }.keys.sorted())
        }
        for queue in result.0.keys { wake(queue) }
        return result
    }

    /// The matching settings' fingerprint to report (see `MatchingConfiguration.fingerprint`).
    public var matchingSettings: String? {
        get { matchingFingerprint.withLock { $0 } }
        set { matchingFingerprint.withLock { $0 = newValue } }
    }

    /// The runtime's loops, in start order.
    public var services: [any Service] {
        var list: [any Service] = [DaemonHeartbeatService(runtime: self), LeaderService(runtime: self),
                                   RescuerService(runtime: self), PrunerService(runtime: self),
                                   SchedulerService(runtime: self), QueueMetricsService(runtime: self)]
        if listener != nil { list.append(QueueListenerService(runtime: self)) }
        list.append(FetcherService(runtime: self))
        return list
    }

    /// Sends the debounced wake-up for `queue` (call after the enqueueing transaction committed).
    public func wake(_ queue: String) {
        wakeups[queue]?.signal()
        notifier.notify(queue)
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// When running jobs must have finished: the grace period from the start of the shutdown.
    var gracePeriodEnd: ContinuousClock.Instant {
        stopDeadline.withLock { $0 } ?? .now + configuration.gracePeriod
    }

    func beginStopping() {
        stopDeadline.withLock { $0 = $0 ?? .now + configuration.gracePeriod }
        stopping.store(true, ordering: .relaxed)
        for signal in wakeups.values { signal.signal() }
    }

    // MARK: Running one job

    func start(_ job: FetchedJob) {
        running.add(job.id, queue: job.queue)
        let task = Task {
            let followUps = FollowUps()
            let meta = job.metaJSON == "{}" ? JobMeta()
                : (try? JSONDecoder().decode(JobMeta.self, from: Data(job.metaJSON.utf8))) ?? JobMeta()
            var jobLogger = logger
            jobLogger[metadataKey: "job_id"] = "\(job.id)"
            jobLogger[metadataKey: "job_kind"] = "\(job.kind)"
            // Who caused the job, and in which request: ids only, as the audit log names them.
            if let actor = meta.actor { jobLogger[metadataKey: "actor"] = "\(actor)" }
            if let requestID = meta.requestID { jobLogger[metadataKey: "request_id"] = "\(requestID)" }
            let context = JobContext(jobID: job.id, kind: job.kind, attempt: job.attempt, maxAttempts: job.maxAttempts,
                                     meta: meta, logger: jobLogger, followUps: followUps, daemon: configuration.daemonID)
            let metrics = jobMetrics.forKind(job.kind)
            metrics.started.increment()
            // Due to started: how long work waits for a worker, per queue.
            jobMetrics.latency(job.queue).recordNanoseconds(max(0, Int64(Date().timeIntervalSince(job.scheduledAt) * 1e9)))
            let started = ContinuousClock.now
            let result: Result<JobOutcome, any Error>
            if let worker = workers.withLock({ $0.worker(for: job.kind) }) {
                do {
                    result = .success(try await worker(job, context))
                } catch {
                    result = .failure(error)
                }
            } else {
                result = .failure(UnknownJobKindError(kind: job.kind))
            }
            let elapsed = ContinuousClock.now - started
            metrics.duration.recordNanoseconds(Int64(elapsed.inSeconds * 1e9))
            switch result {
            case .success:
                metrics.completed.increment()
                jobLogger.debug("job ran", metadata: ["ms": "\(Int(elapsed.inSeconds * 1000))"])
            case .failure(let error):
                metrics.failed.increment()
                jobLogger.warning("job failed", metadata: ["attempt": "\(job.attempt)", "error": "\(Self.describe(error))"])
            }
            let stop = running.remove(job.id)
            wakeups[job.queue]?.signal()
            completer.submit(JobResult(job: job, result: result, stop: stop, followUps: followUps.take()))
        }
        running.attach(task, to: job.id)
    }

    // MARK: Recording results

    /// Records a batch of results in one transaction: completions in one statement.
    func record(_ results: [JobResult]) async throws {
        let daemon = configuration.daemonID
        var handBack: [Int64] = []
        var wakeQueues = Set<String>()
        try await pool.withTransaction { transaction in
            var completed: [Int64] = []
            var followUps: [JobInsert] = []
            for item in results {
                switch (item.stop, item.result) {
                case (.handedBack, _):
                    handBack.append(item.job.id)
                case (.cancelledByOperator, _):
                    try await queue.record(.cancel(reason: "cancelled by an operator"), for: item.job.id, daemon: daemon,
                                           in: transaction)
                case (nil, .success(.complete)):
                    completed.append(item.job.id)
                    followUps += item.followUps
                case (nil, .success(let outcome)):
                    try await queue.record(outcome, for: item.job.id, daemon: daemon, in: transaction)
                    followUps += item.followUps
                case (nil, .failure(let error)):
                    try await queue.fail(item.job.id, daemon: daemon, attempt: item.job.attempt,
                                         error: Self.describe(error), in: transaction)
                }
            }
            try await queue.complete(completed, daemon: daemon, in: transaction)
            if !followUps.isEmpty {
                _ = try await queue.enqueue(batch: followUps, in: transaction)
                wakeQueues.formUnion(followUps.map(\.queue))
            }
        }
        if !handBack.isEmpty {
            try await pool.withConnection { try await queue.handBack(handBack, daemon: daemon, on: $0) }
        }
        for name in wakeQueues { wake(name) }
    }

    /// An error as recorded in the job's errors: its description, which for PostgresError is
    /// safe; other errors are the worker's own and must not carry personal data.
    static func describe(_ error: any Error) -> String {
        if error is CancellationError { return "cancelled" }
        return String(describing: error)
    }
}

/// The metrics of each job kind, made once per kind rather than once per job.
final class JobMetrics: Sendable {
    struct Kind: Sendable {
        let started: Counter
        let completed: Counter
        let failed: Counter
        let duration: Metrics.Timer
    }

    private let kinds = Mutex<[String: Kind]>([:])
    private let latencies = Mutex<[String: Metrics.Timer]>([:])

    /// The timer of the time from a job's due time to its start, in `queue`.
    func latency(_ queue: String) -> Metrics.Timer {
        latencies.withLock { timers in
            if let existing = timers[queue] { return existing }
            let made = Metrics.Timer(label: "lotsen_queue_latency_seconds", dimensions: [("queue", queue)])
            timers[queue] = made
            return made
        }
    }

    func forKind(_ kind: String) -> Kind {
        kinds.withLock { kinds in
            if let existing = kinds[kind] { return existing }
            let dimensions = [("kind", kind)]
            let made = Kind(started: Counter(label: "lotsen_jobs_started_total", dimensions: dimensions),
                            completed: Counter(label: "lotsen_jobs_completed_total", dimensions: dimensions),
                            failed: Counter(label: "lotsen_jobs_failed_total", dimensions: dimensions),
                            duration: Metrics.Timer(label: "lotsen_job_duration_seconds", dimensions: dimensions))
            kinds[kind] = made
            return made
        }
    }
}

/// The result of one run, waiting to be recorded.
struct JobResult: Sendable {
    var job: FetchedJob
    var result: Result<JobOutcome, any Error>
    var stop: RunningJobs.Stop?
    var followUps: [JobInsert]
}

/// Collects results until the completer records them.
final class JobCompleter: Sendable {
    private let pending = Mutex<[JobResult]>([])
    let signal = WakeSignal()
    let batchSize: Int

    init(batchSize: Int) { self.batchSize = batchSize }

    func submit(_ result: JobResult) {
        pending.withLock { $0.append(result) }
        signal.signal()
    }

    func take() -> [JobResult] {
        pending.withLock { pending in
            let batch = Array(pending.prefix(batchSize))
            pending.removeFirst(batch.count)
            return batch
        }
    }

    func putBack(_ results: [JobResult]) {
        pending.withLock { $0.insert(contentsOf: results, at: 0) }
    }

    var isEmpty: Bool { pending.withLock { $0.isEmpty } }
}

/// Sends `NOTIFY lotsen_jobs, queue` after commits, coalescing a burst into one per queue in flight.
final class WakeupNotifier: Sendable {
    private let pool: PostgresPool
    private let state = Mutex<(inFlight: Set<String>, again: Set<String>)>(([], []))

    init(pool: PostgresPool) { self.pool = pool }

    func notify(_ queue: String) {
        let send = state.withLock { state -> Bool in
            if state.inFlight.contains(queue) {
                state.again.insert(queue)
                return false
            }
            state.inFlight.insert(queue)
            return true
        }
        guard send else { return }
        Task { await self.send(queue) }
    }

    private func send(_ queue: String) async {
        while true {
            _ = try? await pool.query("SELECT pg_notify(\(JobQueue.wakeupChannel), \(queue))")
            let again = state.withLock { state -> Bool in
                if state.again.remove(queue) != nil { return true }
                state.inFlight.remove(queue)
                return false
            }
            if !again { return }
        }
    }
}
