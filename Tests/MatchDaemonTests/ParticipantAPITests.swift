import Foundation
import Testing
@testable import MatchCore

/// A valid participant body; override fields with `changes`.
func participantBody(_ changes: [String: Any] = [:]) -> [String: Any] {
    var body: [String: Any] = [
        "case_reference": "SF-\(UUID().uuidString.prefix(6))", "seeking": true, "home_kommunkod": "0580", "hours_per_week": 20,
        "gender": "kvinna", "wished_occupations": ["5120"], "adaptation_needs": ["quiet_workspace"],
        "languages": [["language": "sv", "level": "b1"]],
        "facts": ["birth_year": 2003, "months_away_last_9": 7, "months_away_last_15": 7],
    ]
    for (key, value) in changes { body[key] = value }
    return body
}

@Suite("Participants, consent and supports through HTTP")
struct ParticipantAPITests {
    func auditCount(_ tenant: TestTenant, _ action: String, _ id: String) async throws -> Int {
        try await tenant.connection.query("""
            SELECT count(*) AS n FROM audit_log WHERE forbund_id = \(tenant.forbund.id) AND entity = 'participant'
              AND entity_id = \(id) AND action = \(action) AND request_id IS NOT NULL
            """)[0].decode(Int.self, "n")
    }

    func waitingJobs(_ tenant: TestTenant, _ id: String) async throws -> Int {
        try await tenant.connection.query("""
            SELECT count(*) AS n FROM jobs WHERE unique_key = \("match.participant:" + id) AND state = 'available'
            """)[0].decode(Int.self, "n")
    }

    @Test func aParticipantIsRegisteredReadChangedAndConsentsWithEveryStepAudited() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let api = tenant.coordinator
        let created = try await api.post("/v1/participants", participantBody(["case_reference": "SF-2026-001"]))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(created.json["home_coordinate_source"] as? String == "municipality")
        #expect((created.json["consents"] as? [Any])?.isEmpty == true)
        #expect(try await auditCount(tenant, "create", id) == 1)
        #expect(try await waitingJobs(tenant, id) == 1)

        #expect(try await api.get("/v1/participants/\(id)").status == 200)
        #expect(try await auditCount(tenant, "read", id) == 1)
        #expect(try await api.get("/v1/participants").items.count == 1)
        #expect(try await auditCount(tenant, "read", id) == 2, "a listed participant is a read too")

        let duplicate = try await api.post("/v1/participants", participantBody(["case_reference": "SF-2026-001"]))
        #expect(duplicate.status == 409)
        #expect(duplicate.fieldErrors == ["/case_reference unique"])

        let consented = try await api.post("/v1/participants/\(id)/consents", ["purpose": "matching", "given_on": "2026-01-15"])
        #expect(consented.status == 201, "\(consented.text)")
        let consent = try #require((consented.json["consents"] as? [[String: Any]])?.first)
        let consentID = try #require(consent["id"] as? String)
        #expect(consent["recorded_by"] as? String == "user:\(tenant.coordinatorID.uuidString.lowercased())")

        let changed = try await api.put("/v1/participants/\(id)", participantBody(["case_reference": "SF-2026-001", "hours_per_week": 30]),
                                        headers: ["If-Match": try #require(consented.header("ETag"))])
        #expect(changed.status == 200, "\(changed.text)")
        #expect(changed.json["hours_per_week"] as? Int == 30)
        #expect((changed.json["consents"] as? [Any])?.count == 1, "consents are not replaced by a PUT")
        #expect(try await api.put("/v1/participants/\(id)", participantBody(), headers: ["If-Match": "\"1\""]).status == 412)

        let withdrawn = try await api.post("/v1/participants/\(id)/consents/\(consentID)/withdraw", [:])
        #expect(withdrawn.status == 200, "\(withdrawn.text)")
        #expect((withdrawn.json["consents"] as? [[String: Any]])?.first?["withdrawn_on"] is String)
        #expect(try await api.post("/v1/participants/\(id)/consents/\(consentID)/withdraw", [:]).status == 409)
        #expect(try await waitingJobs(tenant, id) == 1, "every change waits as one match.participant job")
        #expect(try await auditCount(tenant, "update", id) == 3)
    }

    @Test(arguments: [
        (#"{"case_reference": ""}"#, "/case_reference required"),
        (#"{"seeking": null}"#, "/seeking required"),
        (#"{"home_kommunkod": "9999"}"#, "/home_kommunkod kommunkod"),
        (#"{"hours_per_week": 0}"#, "/hours_per_week range"),
        (#"{"max_commute_km": 1000}"#, "/max_commute_km range"),
        (#"{"wished_occupations": ["99999"]}"#, "/wished_occupations/0 ssyk"),
        (#"{"adaptation_needs": ["a_castle"]}"#, "/adaptation_needs/0 enum"),
        (#"{"gender": "unknown"}"#, "/gender enum"),
        (#"{"experience": [{"occupation": "5120"}]}"#, "/experience/0/years required"),
        (#"{"informal_competence": [{"source": "war", "description": "x"}]}"#, "/informal_competence/0/source enum"),
        (#"{"languages": [{"language": "sv", "level": "fluent"}]}"#, "/languages/0/level enum"),
        (#"{"facts": {"months_away_last_9": 10}}"#, "/facts/months_away_last_9 range"),
        (#"{"facts": {"months_away_last_9": 8, "months_away_last_15": 5}}"#, "/facts/months_away_last_15 at_least_last_9"),
        (#"{"facts": {"birth_year": 1800}}"#, "/facts/birth_year range"),
        (#"{"facts": {"new_arrival_since": "2999-01-01"}}"#, "/facts/new_arrival_since not_future"),
        (#"{"facts": {"assessed_capacity_percent": 120}}"#, "/facts/assessed_capacity_percent range"),
    ])
    func eachBrokenRuleIsNamed(_ change: String, _ expected: String) async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        var body = participantBody()
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(change.utf8)) as? [String: Any])
        for (key, value) in changes { body[key] = value is NSNull ? nil : value }
        let response = try await tenant.coordinator.post("/v1/participants", body)
        #expect(response.status == 422, "\(response.text)")
        #expect(response.fieldErrors == [expected])
        #expect(try await tenant.count("participants") == 0)
        #expect(try await tenant.count("participant_statistics") == 0)
        #expect(try await tenant.count("audit_log") == 0)
    }

    @Test func employersAndOperatorsNeverReadParticipantsAndOtherFörbundSeeNothing() async throws {
        let tenant = try await TestTenant.make()
        let other = try await TestTenant.make()
        defer { Task { await tenant.close(); await other.close() } }
        let employerID = try await tenant.createEmployer(PublicBodies.skatteverket)
        let created = try await tenant.coordinator.post("/v1/participants", participantBody())
        let id = try #require(created.json["id"] as? String)
        let employer = try await tenant.employerClient(try #require(UUID(uuidString: employerID)))
        let operatorClient = try await tenant.operatorClient()
        let forA = "?forbund=\(tenant.forbund.id.uuidString.lowercased())"
        for client in [employer, operatorClient] {
            for path in ["/v1/participants", "/v1/participants/\(id)", "/v1/participants/\(id)/supports?offer=\(UUID())"] {
                #expect(try await client.get(path).status == 403, "\(path)")
            }
            // Participant routes take no ?forbund= (only coordinators read them, in their own förbund):
            // naming one is refused as an unknown parameter before anything is read.
            for path in ["/v1/participants" + forA, "/v1/participants/\(id)" + forA] {
                let refused = try await client.get(path)
                #expect(refused.status == 400 && refused.fieldErrors == ["?forbund unknown_parameter"], "\(path)")
            }
            #expect(try await client.post("/v1/participants", participantBody()).status == 403)
            #expect(try await client.put("/v1/participants/\(id)", participantBody()).status == 403)
            #expect(try await client.post("/v1/participants/\(id)/consents", ["purpose": "matching", "given_on": "2026-01-01"]).status == 403)
        }
        #expect(try await other.coordinator.get("/v1/participants/\(id)").status == 404)
        #expect(try await other.coordinator.get("/v1/participants").items.isEmpty)
        #expect(try await tenant.count("audit_log") == 1, "only the creation: refused requests read nothing")
    }

    @Test func theSupportsOfAPairComeFromTheStoredCatalog() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        _ = try await tenant.connection.withTransaction {
            try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data), loadedBy: "test", in: $0)
        }
        let employer = try await tenant.createEmployer(PublicBodies.forsakringskassan)
        let offer = try await tenant.coordinator.post("/v1/employers/\(employer)/offers", offerBody([
            "type": "nystartsjobb", "monthly_wage": 24_000, "start_date": "2026-09-01", "hours_max": 40,
        ]))
        let offerID = try #require(offer.json["id"] as? String)
        let young = try #require(try await tenant.coordinator.post("/v1/participants", participantBody()).json["id"] as? String)
        let report = try await tenant.coordinator.get("/v1/participants/\(young)/supports?offer=\(offerID)")
        #expect(report.status == 200, "\(report.text)")
        let supports = (report.json["supports"] as? [[String: Any]]) ?? []
        let nystart = try #require(supports.first { $0["code"] as? String == "nystartsjobb" })
        #expect(nystart["applies"] as? Bool == true)
        #expect(nystart["max_duration_months"] as? Int == 12)
        #expect(nystart["estimated_monthly_amount"] as? Int == 6_284)
        let older = try #require(try await tenant.coordinator.post("/v1/participants", participantBody([
            "facts": ["birth_year": 1996, "months_away_last_9": 8, "months_away_last_15": 10],
        ])).json["id"] as? String)
        let refused = try await tenant.coordinator.get("/v1/participants/\(older)/supports?offer=\(offerID)")
        let failing = try #require(((refused.json["supports"] as? [[String: Any]]) ?? []).first { $0["code"] as? String == "nystartsjobb" })
        #expect(failing["applies"] as? Bool == false)
        #expect((failing["failures"] as? [[String: Any]])?.first?["condition"] as? String == "participant.months_away_last_15 >= 12")
        #expect(try await tenant.coordinator.get("/v1/participants/\(older)/supports").status == 400)
        #expect(try await tenant.coordinator.get("/v1/participants/\(older)/supports?offer=\(UUID())").status == 404)
    }
}
