import Foundation
import Metrics
import ServiceLifecycle

/// Reports each queue's depth by state and the age of its oldest available job as gauges.
struct QueueMetricsService: Service {
    let runtime: QueueRuntime

    /// One round (tests call it directly).
    func runOnce() async throws {
        let now = runtime.queue.clock.now()
        let rows = try await runtime.pool.query("""
            SELECT queue, state::text AS state, count(*) AS n,
                   extract(epoch FROM \(now) - min(scheduled_at) FILTER (WHERE state = 'available'))::float8 AS oldest
            FROM jobs WHERE state IN ('available', 'scheduled', 'running', 'retryable') GROUP BY queue, state
            """)
        var oldest: [String: Double] = [:]
        var depth: [String: [String: Int]] = [:]
        for name in runtime.configuration.queues.keys { depth[name] = [:] }
        for row in rows {
            let queue = try row.decode(String.self, "queue")
            depth[queue, default: [:]][try row.decode(String.self, "state")] = try row.decode(Int.self, "n")
            if let age = try row.decode(Double?.self, "oldest") { oldest[queue] = max(0, age) }
        }
        for (queue, states) in depth {
            for state in ["available", "scheduled", "running", "retryable"] {
                Gauge(label: "lotsen_queue_depth", dimensions: [("queue", queue), ("state", state)])
                    .record(Double(states[state] ?? 0))
            }
            Gauge(label: "lotsen_queue_oldest_available_seconds", dimensions: [("queue", queue)]).record(oldest[queue] ?? 0)
        }
    }

    func run() async throws {
        await everyInterval(.seconds(10), logger: runtime.logger, what: "queue metrics") { try await runOnce() }
    }
}
