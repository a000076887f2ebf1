import Foundation
import Metrics
import ServiceLifecycle

/// Reports each queue's depth by state and the age of its oldest available job as gauges.
struct QueueMetricsService: Service {
    let runtime: QueueRuntime

    /// One round (tests call it directly).
    func runOnce() async throws {
        let live: [JobState] = [.available, .scheduled, .running, .retryable]
        var depths = try await runtime.queue.depth(of: live, on: runtime.pool)
        // Configured queues without jobs report zeros rather than nothing.
        for name in runtime.configuration.queues.keys where depths[name] == nil { depths[name] = QueueDepth() }
        for (queue, depth) in depths {
            for state in live {
                Gauge(label: "lotsen_queue_depth", dimensions: [("queue", queue), ("state", state.rawValue)])
                    .record(Double(depth.states[state] ?? 0))
            }
            Gauge(label: "lotsen_queue_oldest_available_seconds", dimensions: [("queue", queue)])
                .record(depth.oldestAvailableSeconds ?? 0)
        }
    }

    func run() async throws {
        await everyInterval(.seconds(10), logger: runtime.logger, what: "queue metrics") { try await runOnce() }
    }
}
