import Foundation
import Testing
@testable import MatchCore

/// `deploy/grafana-dashboard.json` against a running matchd's `/metrics`: every series a panel
/// queries exists, so no panel shows "no data" because of a renamed or missing metric.
@Suite("Grafana dashboard and /metrics", .serialized)
struct DashboardTests {
    static let dashboard = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/grafana-dashboard.json")

    /// The metric names in a PromQL expression (histogram series by their family's name).
    static func metricNames(_ expression: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"\b(?:lotsen|hb|http_server)_[a-z_]+\b"#)
        let range = NSRange(expression.startIndex..., in: expression)
        return Set(pattern.matches(in: expression, range: range).map { match in
            var name = String(expression[Range(match.range, in: expression)!])
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
            return name
        })
    }

    @Test func everyMetricTheDashboardQueriesIsServed() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let client = APIClient(base: running.base)
        #expect(try await client.get("/healthz").status == 200)
        #expect(try await client.get("/v1/me").status == 401)
        let metrics = try await client.get("/metrics").text
        let served = Set(metrics.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })

        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dashboard)) as? [String: Any])
        let panels = try #require(object["panels"] as? [[String: Any]])
        #expect(panels.count >= 8)
        var queried = Set<String>()
        for panel in panels {
            let targets = (panel["targets"] as? [[String: Any]]) ?? []
            #expect(!targets.isEmpty, "panel \(panel["title"] ?? "?") queries nothing")
            for target in targets { queried.formUnion(Self.metricNames(target["expr"] as? String ?? "")) }
        }
        #expect(queried.count >= 12)
        #expect(queried.subtracting(served).isEmpty, "queried but not served: \(queried.subtracting(served).sorted())")
        // What the daemon must show an operator, whatever the dashboard says.
        for family in ["lotsen_db_pool_connections", "lotsen_db_pool_waiting", "lotsen_db_pool_wait_seconds",
                       "lotsen_matching_duration_seconds", "lotsen_queue_latency_seconds"] {
            #expect(served.contains(family), "\(family) is not served")
        }
        #expect(metrics.contains(#"lotsen_db_pool_connections{state="in_use"}"#))
    }
}
