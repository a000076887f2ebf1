import Foundation
import Logging
import ServiceLifecycle

/// Runs `body` every `interval` until graceful shutdown, which also cuts a round short; errors
/// are logged, not fatal.
func everyInterval(_ interval: Duration, logger: Logger, what: String,
                           _ body: @escaping @Sendable () async throws -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            do {
                try await body()
            } catch where !(error is CancellationError) && !Task.isCancelled {
                logger.warning("\(what) failed", metadata: ["error": "\(error)"])
            } catch {}
            try? await Task.sleep(for: interval)
        }
    }
}

/// Takes and renews the maintenance leadership; resigns on shutdown.
struct LeaderService: Service {
    let runtime: QueueRuntime

    func run() async throws {
        let leader = runtime.leader
        let interval = runtime.configuration.leaderLease / 3
        await everyInterval(interval, logger: runtime.logger, what: "leader election") {
            let wasLeader = leader.isLeader
            let leads = try await runtime.pool.withConnection { try await leader.elect(on: $0) }
            if leads != wasLeader {
                runtime.logger.info(leads ? "became the maintenance leader" : "lost the maintenance lead")
            }
        }
        _ = try? await runtime.pool.withConnection { try await leader.resign(on: $0) }
    }
}

/// While leading: returns jobs whose lease lapsed.
struct RescuerService: Service {
    let runtime: QueueRuntime

    /// One round (tests call it directly).
    func runOnce() async throws -> Int {
        try await runtime.pool.withConnection { try await runtime.queue.rescue(on: $0) }
    }

    func run() async throws {
        await everyInterval(runtime.configuration.rescueInterval, logger: runtime.logger, what: "rescuing jobs") {
            guard runtime.leader.isLeader else { return }
            let rescued = try await runOnce()
            if rescued > 0 {
                runtime.logger.notice("rescued jobs whose lease lapsed", metadata: ["count": "\(rescued)"])
                for name in runtime.configuration.queues.keys { runtime.wake(name) }
            }
        }
    }
}

/// While leading: deletes finished jobs past their retention.
struct PrunerService: Service {
    let runtime: QueueRuntime

    /// One round (tests call it directly).
    func runOnce() async throws -> Int {
        let configuration = runtime.configuration
        return try await runtime.pool.withConnection {
            try await runtime.queue.prune(completedOlderThan: configuration.completedRetention,
                                          discardedOlderThan: configuration.discardedRetention, on: $0)
        }
    }

    func run() async throws {
        await everyInterval(runtime.configuration.pruneInterval, logger: runtime.logger, what: "pruning jobs") {
            guard runtime.leader.isLeader else { return }
            _ = try await runOnce()
        }
    }
}

/// While leading: enqueues periodic jobs whose tick is due.
struct SchedulerService: Service {
    let runtime: QueueRuntime

    func run() async throws {
        guard !runtime.scheduler.jobs.isEmpty else {
            // Nothing to schedule: stay until shutdown, since a service that ends stops the group.
            try? await gracefulShutdown()
            return
        }
        await everyInterval(.seconds(1), logger: runtime.logger, what: "scheduling periodic jobs") {
            guard runtime.leader.isLeader else { return }
            let ids = try await runtime.scheduler.runOnce(pool: runtime.pool)
            if !ids.isEmpty { for name in runtime.configuration.queues.keys { runtime.wake(name) } }
        }
    }
}

/// Registers the daemon, heartbeats it and its running jobs' leases, and picks up cancels that
/// a lost notification did not deliver.
struct DaemonHeartbeatService: Service {
    let runtime: QueueRuntime

    func run() async throws {
        let configuration = runtime.configuration
        let registry = DaemonRegistry(clock: runtime.queue.clock)
        try await runtime.pool.withConnection {
            try await registry.register(id: configuration.daemonID, queues: runtime.queueConcurrency,
                                        matchingSettings: runtime.matchingSettings, on: $0)
        }
        await everyInterval(configuration.heartbeatInterval, logger: runtime.logger, what: "heartbeat") {
            let cancels = try await runtime.pool.withConnection { connection in
                try await registry.heartbeat(id: configuration.daemonID, queues: runtime.queueConcurrency,
                                             matchingSettings: runtime.matchingSettings, on: connection)
                return try await runtime.queue.heartbeat(runtime.running.ids, daemon: configuration.daemonID,
                                                         lease: configuration.leaseDuration, on: connection)
            }
            for id in cancels { runtime.running.stop(id, because: .cancelledByOperator) }
        }
        _ = try? await runtime.pool.withConnection { try await registry.markStopped(id: configuration.daemonID, on: $0) }
    }
}

/// LISTENs for wake-ups, cancels and resumes; after a reconnect every fetcher looks again.
struct QueueListenerService: Service {
    let runtime: QueueRuntime

    func run() async throws {
        guard let listener = runtime.listener else { return }
        let events = listener.events()
        listener.start()
        await listener.listen(JobQueue.wakeupChannel)
        await listener.listen(JobQueue.cancelChannel)
        for signal in runtime.wakeups.values { signal.signal() }
        await withGracefulShutdownHandler {
            for await event in events {
                switch event {
                case .reconnected:
                    for signal in runtime.wakeups.values { signal.signal() }
                case .notification(let note) where note.channel == JobQueue.wakeupChannel:
                    runtime.wakeups[note.payload]?.signal()
                case .notification(let note) where note.channel == JobQueue.cancelChannel:
                    if let id = Int64(note.payload) { runtime.running.stop(id, because: .cancelledByOperator) }
                case .notification:
                    break
                }
            }
        } onGracefulShutdown: {
            listener.stop()
        }
    }
}

/// Fetches and runs jobs of every queue and records their results; on shutdown stops fetching,
/// lets running jobs finish within the grace period, then cancels and hands back the rest.
struct FetcherService: Service {
    let runtime: QueueRuntime

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for name in runtime.configuration.queues.keys {
                    group.addTask { await fetchLoop(queue: name) }
                }
                group.addTask { await completionLoop() }
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            runtime.beginStopping()
        }
    }

    private func fetchLoop(queue name: String) async {
        let configuration = runtime.configuration
        guard let signal = runtime.wakeups[name] else { return }
        var backlog = false
        var failures = 0
        while !runtime.isStopping {
            // Read each round: SIGHUP may change it while the daemon runs.
            let concurrency = runtime.concurrency(of: name)
            // After a full batch (more is waiting), fetch again only once a quarter of the slots are
            // free: a round trip per finished job would cost more than the jobs.
            let refill = max(1, concurrency / 4)
            let free = concurrency - runtime.running.count(in: name)
            if free > 0 && (!backlog || free >= refill) {
                do {
                    let jobs = try await runtime.pool.withConnection {
                        try await runtime.queue.fetch(queue: name, limit: free, daemon: configuration.daemonID,
                                                      lease: configuration.leaseDuration, on: $0)
                    }
                    failures = 0
                    let unstarted = startUnlessStopping(jobs)
                    if !unstarted.isEmpty {
                        // Fetched as the shutdown began: give them straight back, attempt unused.
                        try await runtime.pool.withConnection {
                            try await runtime.queue.handBack(unstarted, daemon: configuration.daemonID, on: $0)
                        }
                    }
                    backlog = jobs.count == free
                } catch {
                    failures += 1
                    runtime.logger.warning("fetching jobs failed", metadata: ["queue": "\(name)", "error": "\(error)"])
                    try? await Task.sleep(for: .milliseconds(min(5000, 50 << min(failures, 7))))
                    continue
                }
            }
            // With a backlog, finishing jobs wake this loop; the short timeout is a safety net.
            await signal.wait(timeout: backlog ? .milliseconds(50) : configuration.pollInterval)
        }
    }

    private func startUnlessStopping(_ jobs: [FetchedJob]) -> [Int64] {
        var unstarted: [Int64] = []
        for job in jobs {
            if runtime.isStopping { unstarted.append(job.id) } else { runtime.start(job) }
        }
        return unstarted
    }

    private func completionLoop() async {
        let completer = runtime.completer
        while true {
            let batch = completer.take()
            if batch.isEmpty {
                if runtime.isStopping {
                    if await drainOnShutdown() { return }
                    continue
                }
                await completer.signal.wait(timeout: .milliseconds(100))
                continue
            }
            do {
                try await runtime.record(batch)
            } catch {
                runtime.logger.warning("recording job results failed; retrying", metadata: ["error": "\(error)"])
                completer.putBack(batch)
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Waits for running jobs within the grace period, then cancels them for hand-back; true when
    /// nothing is left to record.
    private func drainOnShutdown() async -> Bool {
        let deadline = runtime.gracePeriodEnd
        while !runtime.running.isEmpty && ContinuousClock.now < deadline && runtime.completer.isEmpty {
            await runtime.completer.signal.wait(timeout: .milliseconds(50))
        }
        if !runtime.completer.isEmpty { return false }
        if runtime.running.isEmpty { return true }
        runtime.logger.notice("grace period over; handing running jobs back to the queue")
        runtime.running.stopAll(because: .handedBack)
        while !runtime.running.isEmpty { await runtime.completer.signal.wait(timeout: .milliseconds(50)) }
        return false
    }
}
