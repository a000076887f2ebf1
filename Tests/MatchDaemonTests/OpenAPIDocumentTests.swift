import Foundation
import Testing
@testable import MatchCore
@testable import MatchDaemon

@Suite("The OpenAPI document")
struct OpenAPIDocumentTests {
    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(PackageResources.openapi_json)) as? [String: Any])
    }

    static let methods = ["get", "put", "post", "delete", "patch"]

    @Test func itDocumentsExactlyTheRoutesThatExist() throws {
        let pool = PostgresPool(configuration: .init(conninfo: "host=/nonexistent"))
        let routes = Set(APIRoutes.build(pool: pool, metrics: nil).1)
        let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        var documented: Set<APIRouteBuilder.Entry> = []
        for (path, item) in paths {
            for method in Self.methods where item[method] != nil {
                documented.insert(.init(method: method.uppercased(), path: path))
            }
        }
        #expect(routes.subtracting(documented).sorted() == [], "routes missing from openapi.json")
        #expect(documented.subtracting(routes).sorted() == [], "documented routes that do not exist")
        #expect(routes.count > 20)
    }

    @Test func everyReferenceResolvesAndEveryOperationIsComplete() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        var problems: [String] = []
        func resolve(_ ref: String) -> Any? {
            guard ref.hasPrefix("#/") else { return nil }
            var node: Any? = document
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            return node
        }
        func walk(_ node: Any, _ at: String) {
            if let object = node as? [String: Any] {
                if let ref = object["$ref"] as? String, resolve(ref) == nil { problems.append("\(at): \(ref) does not resolve") }
                for (key, value) in object { walk(value, "\(at)/\(key)") }
            } else if let array = node as? [Any] {
                for (index, value) in array.enumerated() { walk(value, "\(at)/\(index)") }
            }
        }
        walk(document, "#")
        var operationIDs: [String] = []
        for (path, item) in (document["paths"] as? [String: [String: Any]]) ?? [:] {
            let templated = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            for method in Self.methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                if let id = operation["operationId"] as? String { operationIDs.append(id) } else { problems.append("\(method) \(path): no operationId") }
                if ((operation["responses"] as? [String: Any]) ?? [:]).isEmpty { problems.append("\(method) \(path): no responses") }
                let parameters = ((operation["parameters"] as? [[String: Any]]) ?? []).map { ($0["$ref"] as? String).flatMap(resolve) ?? $0 }
                let declared = Set(parameters.compactMap { $0 as? [String: Any] }.filter { $0["in"] as? String == "path" }
                    .compactMap { $0["name"] as? String })
                if declared != templated { problems.append("\(method) \(path): path parameters \(declared) ≠ \(templated)") }
            }
        }
        if Set(operationIDs).count != operationIDs.count { problems.append("operationIds repeat") }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The OpenAPI project's own validator, from PyPI, which `.ci/run` installs into a cached venv.
    @Test(.needs(.openAPIValidator)) func itPassesTheOpenAPISpecValidator() throws {
        let validator = try OutsideTool.openAPIValidator.require()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lotsen-openapi-\(getpid()).json")
        try Data(PackageResources.openapi_json).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        // The validator runs as the caller (not as the database's server user) and exits non-zero on any error.
        #expect(throws: Never.self) { try ProcessRunner.run(validator, [file.path], asServerUser: false) }
    }

    @Test func theServerServesTheDocumentAndPrometheusMetrics() async throws {
        let server = try await SharedAPIServer.shared.start()
        let client = APIClient(base: server.base)
        let served = try await client.get("/openapi.json")
        #expect(served.status == 200)
        #expect(served.body == Data(PackageResources.openapi_json))
        _ = try await client.get("/v1/me")
        let metrics = try await client.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains("# TYPE hb_requests counter"))
        // The queue's gauges appear once the metrics service has sampled the depth.
        let sampled = try await waitUntil(timeout: .seconds(30)) {
            try await client.get("/metrics").text.contains("# TYPE lotsen_queue_depth gauge")
        }
        #expect(sampled)
    }
}
