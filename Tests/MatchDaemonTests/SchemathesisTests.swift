import Foundation
import Testing
@testable import MatchCore
@testable import MatchDaemon

/// Schemathesis (from PyPI, in `.ci/run`'s venv) generates requests from `openapi.json` and holds
/// every answer to it: no server errors, documented statuses, content types, headers and bodies,
/// schema-valid requests accepted and invalid ones refused, links followed. Its settings are in
/// `Tests/Scripts/schemathesis.toml`; a fixed seed keeps a run repeatable.
@Suite("Schemathesis against a listening matchd")
struct SchemathesisTests {
    @Test(.needs(.schemathesis), .timeLimit(.minutes(10)))
    func aSchemaDrivenFuzzerFindsNothing() async throws {
        let st = try OutsideTool.schemathesis.require()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        // Seed the förbund, so reads find records: one employer with an open offer, one participant.
        let document = try ContractDocument()
        func example(_ name: String) throws -> [String: Any] {
            let schemas = try #require(document.root["components"] as? [String: Any])["schemas"] as? [String: Any]
            return try #require(document.resolve(schemas?[name])["example"] as? [String: Any])
        }
        var employer = try example("EmployerInput")
        employer["responsible_coordinator_id"] = tenant.coordinatorID.uuidString.lowercased()
        let employerID = try #require(try await tenant.coordinator.post("/v1/employers", employer).json["id"] as? String)
        #expect(try await tenant.coordinator.post("/v1/employers/\(employerID)/offers", try example("OfferInput")).status == 201)
        var participant = try example("ParticipantInput")
        participant["responsible_coordinator_id"] = tenant.coordinatorID.uuidString.lowercased()
        participant["excluded_employer_ids"] = [employerID]
        #expect(try await tenant.coordinator.post("/v1/participants", participant).status == 201)

        let token = try #require(tenant.coordinator.token)
        let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Scripts/schemathesis.toml").standardizedFileURL.path
        let arguments = ["--config-file", config, "run", tenant.base + "/openapi.json", "--checks", "all",
                         "--seed", "2026", "--workers", "2", "--no-color",
                         "-H", "Authorization: Bearer \(token)"]
        let outcome: Result<String, ProcessRunner.Failure> = await withCheckedContinuation { continuation in
            // st runs for seconds: keep it off the concurrency pool's few threads.
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: .success(try ProcessRunner.run(st, arguments, asServerUser: false)))
                } catch let failure as ProcessRunner.Failure {
                    continuation.resume(returning: .failure(failure))
                } catch {
                    continuation.resume(returning: .failure(ProcessRunner.Failure(command: st, status: -1, output: "\(error)")))
                }
            }
        }
        switch outcome {
        case .success(let output):
            #expect(output.contains("Selected: "), "\(output)")
        case .failure(let failure):
            Issue.record("schemathesis found failures (exit \(failure.status)):\n\(failure.output)")
        }
    }
}
