import Foundation
import Testing
@testable import MatchCore

/// The log a collector would receive from a busy daemon at debug level: JSON lines that carry the
/// request or job id and the actor, and never a personal value that was stored.
@Suite("Logs: JSON lines with ids, never personal data", .serialized)
struct LogPrivacyTests {
    @Test func aDebugLogOfTheAPIAndTheWorkersHoldsNoPersonalValue() async throws {
        let running = try await MatchingDaemon.start(["LOTSEN_LOG_LEVEL": "debug", "LOTSEN_LOG_FORMAT": "json"])
        let (connection, base) = (running.connection, running.base)
        let token = try await connection.withTransaction { tx in
            _ = try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data), loadedBy: "test", in: tx)
            let forbund = try await TenancyStore().createForbund(name: "Loggar", in: tx)
            return try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: nil, in: tx).token
        }
        let api = APIClient(base: base, token: token)

        // Values only a person's record holds; each must stay out of the log.
        let personal = [
            "PII-7Q-0042", "Ylvali Qwertzdottir", "xylofonverkstad", "kvastbindning", "Zorro Kontaktsson", "kontakt.zq@example.se",
            "070-9998877", "Fagottgatan 99", "quiet_workspace",
        ]
        let participant = try await api.post("/v1/participants", participantBody([
            "case_reference": personal[0], "name": personal[1], "interests": "drömmer om \(personal[2])", "skills": [personal[3]],
        ]))
        let id = try #require(participant.json["id"] as? String, "\(participant.text)")
        #expect(try await api.post("/v1/participants/\(id)/consents", ["purpose": "matching", "given_on": "2026-01-10"]).status == 201)
        // A conflict on the case reference: the database's error names the value in its DETAIL.
        #expect(try await api.post("/v1/participants", participantBody(["case_reference": personal[0]])).status == 409)
        let employer = try #require(try await api.post("/v1/employers", [
            "organisationsnummer": PublicBodies.linkopingsKommun, "name": "Linköpings kommun", "sector": "public",
            "contacts": [["name": personal[4], "role": "Chef", "email": personal[5], "phone": personal[6], "is_handledare": true]],
            "addresses": [["label": "Kontor", "street": personal[7], "postal_code": "58222", "city": "Linköping", "kommunkod": "0580"]],
        ]).json["id"] as? String)
        let offer = try #require(try await api.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).json["id"] as? String)
        let matched = try await waitUntil(timeout: .seconds(30)) {
            try await api.get("/v1/suggestions?offer=\(offer)").items.contains { $0["participant_id"] as? String == id }
        }
        #expect(matched, "\(running.daemon.log)")
        #expect(try await api.get("/v1/participants/\(id)").status == 200)
        #expect(try await api.get("/v1/participants?limit=10").status == 200)
        #expect(try await api.get("/v1/suggestions?participant=\(id)").status == 200)
        #expect(try await APIClient(base: base).get("/v1/me").status == 401)
        running.stop()
        _ = await running.daemon.waitForExit()

        let lines = running.daemon.log.split(separator: "\n").map(String.init)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every line is one JSON object: \(lines.filter { !$0.hasPrefix("{") }.prefix(3))")
        #expect(objects.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String })
        let requests = objects.filter { $0["message"] as? String == "request" }
        #expect(requests.count >= 9, "a debug line per request")
        #expect(requests.allSatisfy { $0["request_id"] is String && $0["status"] is String })
        let authenticated = requests.filter { ($0["route"] as? String)?.hasPrefix("/v1") == true && $0["status"] as? String != "401" }
        #expect(authenticated.allSatisfy { ($0["actor"] as? String)?.hasPrefix("token:") == true }, "\(authenticated)")
        #expect(requests.contains { $0["status"] as? String == "409" }, "a refused write is logged too")
        #expect(requests.contains { $0["status"] as? String == "401" && $0["actor"] == nil })
        #expect(requests.allSatisfy { ($0["route"] as? String)?.contains("PII") == false })
        let jobs = objects.filter { $0["job_id"] != nil }
        #expect(jobs.contains { $0["job_kind"] as? String == "match.participant" && $0["actor"] is String && $0["request_id"] is String },
                "a job's lines name who caused it and in which request")
        let log = running.daemon.log.lowercased()
        for value in personal {
            #expect(!log.contains(value.lowercased()), "the log holds \(value)")
        }
    }
}
