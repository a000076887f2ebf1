/// `[queue]`: the worker runtime. Every key not listed below names a queue and sets how many of
/// its jobs one daemon runs at once (`matching = 2`, `notify = 8`).
public struct QueueConfiguration: Sendable {
    /// Concurrency per queue.
    public var concurrency: [String: Int]
    /// How often an idle fetcher looks for work without a wake-up, in milliseconds.
    public var pollIntervalMilliseconds: Int
    /// Only poll, never LISTEN (behind a pooler in transaction mode).
    public var pollOnly: Bool
    /// A running job's lease, in milliseconds.
    public var leaseMilliseconds: Int
    /// How often running jobs heartbeat, in milliseconds.
    public var heartbeatMilliseconds: Int
    /// How long running jobs may finish on shutdown, in milliseconds.
    public var gracePeriodMilliseconds: Int
    /// How long the leader lease lasts, in milliseconds.
    public var leaderLeaseMilliseconds: Int
    /// How often the leader rescues lapsed jobs, in milliseconds.
    public var rescueIntervalMilliseconds: Int
    /// Hours completed and cancelled jobs are kept.
    public var completedRetentionHours: Int
    /// Days discarded jobs are kept.
    public var discardedRetentionDays: Int

    /// The `[queue]` keys that are settings of the runtime; every other key names a queue.
    public static let fixedKeys: Set<String> = [
        "poll_interval_ms", "poll_only", "lease_ms", "heartbeat_ms", "grace_period_ms", "leader_lease_ms",
        "rescue_interval_ms", "completed_retention_hours", "discarded_retention_days",
    ]

    init(reader: ConfigurationReader) throws {
        pollIntervalMilliseconds = try reader.int("queue", "poll_interval_ms", default: 1000, range: 10...600_000)
        pollOnly = try reader.bool("queue", "poll_only", default: false)
        leaseMilliseconds = try reader.int("queue", "lease_ms", default: 30_000, range: 100...86_400_000)
        heartbeatMilliseconds = try reader.int("queue", "heartbeat_ms", default: 5000, range: 10...3_600_000)
        gracePeriodMilliseconds = try reader.int("queue", "grace_period_ms", default: 10_000, range: 0...3_600_000)
        leaderLeaseMilliseconds = try reader.int("queue", "leader_lease_ms", default: 15_000, range: 100...3_600_000)
        rescueIntervalMilliseconds = try reader.int("queue", "rescue_interval_ms", default: 5000, range: 10...3_600_000)
        completedRetentionHours = try reader.int("queue", "completed_retention_hours", default: 24, range: 0...8760)
        discardedRetentionDays = try reader.int("queue", "discarded_retention_days", default: 7, range: 0...3650)
        var queues = try reader.intMap("queue", excluding: Self.fixedKeys, range: 0...1000)
        if queues["default"] == nil { queues["default"] = 10 }
        if queues[MatchingJobs.queue] == nil { queues[MatchingJobs.queue] = 2 }
        if queues[NotifyDispatchJob.queue] == nil { queues[NotifyDispatchJob.queue] = 4 }
        concurrency = queues.filter { $0.value > 0 }
        guard heartbeatMilliseconds < leaseMilliseconds else {
            throw ConfigurationError(key: "queue.heartbeat_ms", source: "value \(heartbeatMilliseconds)",
                                     problem: "must be shorter than queue.lease_ms (\(leaseMilliseconds))")
        }
    }

    /// The runtime configuration for a daemon with `daemonID`.
    public func runtimeConfiguration(daemonID: String = QueueRuntimeConfiguration.makeDaemonID()) -> QueueRuntimeConfiguration {
        var runtime = QueueRuntimeConfiguration(daemonID: daemonID, queues: concurrency)
        runtime.pollInterval = .milliseconds(pollIntervalMilliseconds)
        runtime.pollOnly = pollOnly
        runtime.leaseDuration = .milliseconds(leaseMilliseconds)
        runtime.heartbeatInterval = .milliseconds(heartbeatMilliseconds)
        runtime.gracePeriod = .milliseconds(gracePeriodMilliseconds)
        runtime.leaderLease = .milliseconds(leaderLeaseMilliseconds)
        runtime.rescueInterval = .milliseconds(rescueIntervalMilliseconds)
        runtime.completedRetention = .seconds(completedRetentionHours * 3600)
        runtime.discardedRetention = .seconds(discardedRetentionDays * 86_400)
        return runtime
    }
}
