import Foundation

/// How a daemon runs the queue; `[queue]` in the configuration sets the concurrency per queue.
public struct QueueRuntimeConfiguration: Sendable {
    /// This daemon's id (unique among running daemons).
    public var daemonID: String
    /// Concurrency per queue: how many jobs of it this daemon runs at once.
    public var queues: [String: Int]
    /// How often an idle fetcher looks for work without a wake-up.
    public var pollInterval: Duration = .seconds(1)
    /// Only poll: no LISTEN (behind a pooler in transaction mode).
    public var pollOnly = false
    /// How long a running job's lease lasts without a heartbeat.
    public var leaseDuration: Duration = .seconds(30)
    /// How often running jobs heartbeat.
    public var heartbeatInterval: Duration = .seconds(5)
    /// On shutdown, how long running jobs may take to finish before they are cancelled and handed back.
    public var gracePeriod: Duration = .seconds(10)
    /// How long the leader's lease lasts.
    public var leaderLease: Duration = .seconds(15)
    /// How often the leader rescues jobs whose lease lapsed.
    public var rescueInterval: Duration = .seconds(5)
    /// How often the leader prunes finished jobs.
    public var pruneInterval: Duration = .seconds(60)
    /// How long completed and cancelled jobs are kept.
    public var completedRetention: Duration = .seconds(24 * 3600)
    /// How long discarded jobs are kept.
    public var discardedRetention: Duration = .seconds(7 * 24 * 3600)
    /// Most results recorded in one transaction.
    public var completionBatchSize = 500

    /// A configuration for `daemonID` running `queues`.
    public init(daemonID: String = Self.makeDaemonID(), queues: [String: Int] = ["default": 10]) {
        self.daemonID = daemonID
        self.queues = queues
    }

    /// `host-pid-random`, readable in `matchctl status`.
    public static func makeDaemonID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(6).lowercased())"
    }
}
