import Foundation
import Testing
@testable import MatchCore

@Suite("Placement offers through HTTP")
struct OfferAPITests {
    /// The waiting `match.offer` jobs of an offer.
    func waitingMatchJobs(_ tenant: TestTenant, offer: String) async throws -> Int {
        try await tenant.connection.query("""
            SELECT count(*) AS n FROM jobs WHERE kind = 'match.offer' AND queue = 'matching'
              AND unique_key = \("match.offer:" + offer) AND state = 'available' AND args->>'id' = \(offer)
            """)[0].decode(Int.self, "n")
    }

    @Test func anOfferLivesThroughItsStatusesAndEachChangeEnqueuesMatchingOnce() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let api = tenant.coordinator
        let employer = try await tenant.createEmployer(PublicBodies.stockholmsStad)
        let created = try await api.post("/v1/employers/\(employer)/offers", offerBody())
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(created.json["status"] as? String == "draft")
        #expect(created.json["workplace_coordinate_source"] as? String == "municipality")
        #expect(try await waitingMatchJobs(tenant, offer: id) == 0, "a draft is not matched")

        let opened = try await api.post("/v1/offers/\(id)/status", ["status": "open", "note": "Klar att matcha"],
                                        headers: ["If-Match": "\"1\""])
        #expect(opened.status == 200, "\(opened.text)")
        #expect(opened.json["status"] as? String == "open")
        #expect(opened.header("ETag") == "\"2\"")
        #expect(try await waitingMatchJobs(tenant, offer: id) == 1)

        // A burst of edits while the job waits coalesces into that one job.
        for hours in [12, 14, 16] {
            let edited = try await api.put("/v1/offers/\(id)", offerBody(["hours_min": hours]))
            #expect(edited.status == 200)
        }
        #expect(try await waitingMatchJobs(tenant, offer: id) == 1)
        let meta = try await tenant.connection.query("""
            SELECT meta->>'actor' AS actor, meta->>'request_id' AS request_id FROM jobs WHERE unique_key = \("match.offer:" + id)
            """)[0]
        #expect(try meta.decode(String.self, "actor") == "user:\(tenant.coordinatorID.uuidString.lowercased())")
        #expect(try meta.decode(String?.self, "request_id") != nil)

        let refused = try await api.post("/v1/offers/\(id)/status", ["status": "draft"])
        #expect(refused.status == 409)
        #expect(refused.fieldErrors == ["/status transition"])
        #expect(try await api.post("/v1/offers/\(id)/status", ["status": "paused"]).status == 200)
        #expect(try await api.post("/v1/offers/\(id)/status", ["status": "closed", "note": "Tjänsten drogs in"]).status == 200)
        #expect(try await api.put("/v1/offers/\(id)", offerBody()).status == 409, "a closed offer is final")

        let history = try await api.get("/v1/offers/\(id)/history")
        let steps = history.items.map { "\($0["from_status"] as? String ?? "-")→\($0["to_status"] as? String ?? "")" }
        #expect(steps == ["-→draft", "draft→open", "open→paused", "paused→closed"])
        #expect(history.items.last?["note"] as? String == "Tjänsten drogs in")

        let listed = try await api.get("/v1/offers?status=closed")
        #expect(listed.items.compactMap { $0["id"] as? String } == [id])
        #expect(try await api.get("/v1/offers?status=open").items.isEmpty)
        #expect(try await api.get("/v1/offers?status=gone").fieldErrors == ["?status enum"])
    }

    /// Each rule, broken alone, is reported by pointer and rule, and nothing is stored.
    @Test(arguments: [
        (#"{"type": "sommarjobb"}"#, "/type enum"),
        (#"{"occupation": "9999"}"#, "/occupation ssyk"),
        (#"{"occupation": "512"}"#, "/occupation ssyk"),
        (#"{"title": ""}"#, "/title required"),
        (#"{"hours_min": 0}"#, "/hours_min range"),
        (#"{"hours_max": 41}"#, "/hours_max range"),
        (#"{"hours_min": 30, "hours_max": 20}"#, "/hours_max at_least_hours_min"),
        (#"{"schedule_flexibility": "whenever"}"#, "/schedule_flexibility enum"),
        (#"{"start_date": "1 februari"}"#, "/start_date date"),
        (#"{"duration_months": 61}"#, "/duration_months range"),
        (#"{"monthly_wage": 20000}"#, "/monthly_wage unpaid_type"),
        (#"{"type": "nystartsjobb"}"#, "/monthly_wage required_for_type"),
        (#"{"workplace_kommunkod": "0599"}"#, "/workplace_kommunkod kommunkod"),
        (#"{"workplace_latitude": 80.0, "workplace_longitude": 15.0}"#, "/workplace_latitude coordinate"),
        (#"{"handledare_available": null}"#, "/handledare_available required"),
        (#"{"handledare_available": false}"#, "/handledare_hours needs_handledare"),
        (#"{"adaptations": ["quiet_workspace", "a_pony"]}"#, "/adaptations/1 enum"),
        (#"{"adaptations": ["quiet_workspace", "quiet_workspace"]}"#, "/adaptations/1 unique_items"),
        (#"{"required_languages": [{"language": "Swedish", "level": "b1"}]}"#, "/required_languages/0/language iso639"),
        (#"{"required_languages": [{"language": "sv", "level": "good"}]}"#, "/required_languages/0/level enum"),
        (#"{"positions": 0}"#, "/positions range"),
        (#"{"supports_counted_on": ["Nystartsjobb!"]}"#, "/supports_counted_on/0 format"),
        (#"{"status": "filled"}"#, "/status enum"),
        (#"{"hours_min": "ten"}"#, "/hours_min type"),
    ])
    func eachBrokenRuleIsNamed(_ change: String, _ expected: String) async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let employer = try await tenant.createEmployer(PublicBodies.regionOstergotland)
        var body = offerBody()
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(change.utf8)) as? [String: Any])
        for (key, value) in changes { body[key] = value is NSNull ? nil : value }
        let response = try await tenant.coordinator.post("/v1/employers/\(employer)/offers", body)
        #expect(response.status == 422, "\(response.text)")
        #expect(response.fieldErrors == [expected])
        #expect(try await tenant.count("placement_offers") == 0)
        #expect(try await tenant.count("placement_offer_status_history") == 0)
    }

    @Test func anOfferChangeAndItsMatchingJobCommitTogetherOrNotAtAll() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let employer = try await tenant.createEmployer(PublicBodies.skatteverket)
        let created = try await tenant.coordinator.post("/v1/employers/\(employer)/offers", offerBody())
        let id = try #require(created.json["id"] as? String)
        let offerID = try #require(UUID(uuidString: id))

        // The store's change and its job in one transaction that then fails: neither remains.
        struct Abort: Error {}
        let scope = AccessScope(forbundID: tenant.forbund.id)
        await #expect(throws: Abort.self) {
            try await tenant.connection.withTransaction { tx in
                _ = try await OfferStore().changeStatus(scope, id: offerID, to: .open, note: "", ifVersion: nil,
                                                        by: .init(actor: "test", requestID: nil), in: tx)
                throw Abort()
            }
        }
        #expect(try await waitingMatchJobs(tenant, offer: id) == 0)
        #expect(try await tenant.coordinator.get("/v1/offers/\(id)").json["status"] as? String == "draft")

        // The job's insert fails inside the request: the API answers 500 and the offer stays a draft.
        let trigger = "refuse_match_\(tenant.forbund.id.uuidString.prefix(8).lowercased())"
        try await tenant.connection.executeScript("""
            CREATE FUNCTION \(trigger)() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.args->>'forbund_id' = '\(tenant.forbund.id.uuidString.lowercased())' THEN
                    RAISE EXCEPTION 'refused for the test';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER \(trigger) BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION \(trigger)();
            """)
        let failed = try await tenant.coordinator.post("/v1/offers/\(id)/status", ["status": "open"])
        try await tenant.connection.executeScript("DROP TRIGGER \(trigger) ON jobs; DROP FUNCTION \(trigger)();")
        #expect(failed.status == 500)
        #expect(failed.header("Content-Type") == "application/problem+json")
        #expect(!failed.text.contains("refused for the test"), "internal errors are not shown to clients")
        let after = try await tenant.coordinator.get("/v1/offers/\(id)")
        #expect(after.json["status"] as? String == "draft")
        #expect(after.json["version"] as? Int == 1)
        #expect(try await tenant.count("placement_offer_status_history") == 1)
        #expect(try await waitingMatchJobs(tenant, offer: id) == 0)

        // And when it succeeds, both are there.
        #expect(try await tenant.coordinator.post("/v1/offers/\(id)/status", ["status": "open"]).status == 200)
        #expect(try await waitingMatchJobs(tenant, offer: id) == 1)
    }

    @Test func anEmployerRegistersAndEditsItsOwnOffers() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let mine = try await tenant.createEmployer(PublicBodies.arbetsformedlingen)
        let employer = try await tenant.employerClient(try #require(UUID(uuidString: mine)))
        let created = try await employer.post("/v1/employers/\(mine)/offers", offerBody(["status": "open"]))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(try await waitingMatchJobs(tenant, offer: id) == 1)
        #expect(try await employer.put("/v1/offers/\(id)", offerBody(["title": "Diskare"])).json["title"] as? String == "Diskare")
        #expect(try await employer.post("/v1/offers/\(id)/status", ["status": "filled"]).status == 200)
        let history = try await tenant.coordinator.get("/v1/offers/\(id)/history")
        let actors = history.items.compactMap { $0["actor"] as? String }
        #expect(actors.count == 2)
        #expect(Set(actors).count == 1, "the employer's user made both changes")
        #expect(actors.allSatisfy { $0.hasPrefix("user:") && !$0.contains(tenant.coordinatorID.uuidString.lowercased()) })
    }

    /// Offers page by creation time: each page's cursor leads to the next, and a cursor whose time
    /// is not one is refused as a cursor (400), never passed to SQL.
    @Test func offersPageByTheirCursorAndAForgedTimeIsRefused() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let employer = try await tenant.createEmployer(PublicBodies.skatteverket)
        var made: [String] = []
        for title in ["Diskare", "Kockbiträde", "Lagerarbetare"] {
            made.append(try #require(try await tenant.coordinator.post("/v1/employers/\(employer)/offers", offerBody(["title": title]))
                .json["id"] as? String))
        }
        let first = try await tenant.coordinator.get("/v1/offers?limit=2")
        let cursor = try #require(first.json["next_cursor"] as? String)
        let second = try await tenant.coordinator.get("/v1/offers?limit=2&cursor=\(cursor)")
        #expect((first.items + second.items).compactMap { $0["id"] as? String } == made)
        #expect(second.json["next_cursor"] is NSNull)

        let forged = PageCursor(values: ["2026-13-45 00:00:00+00", UUID().uuidString]).encoded
        let refused = try await tenant.coordinator.get("/v1/offers?cursor=\(forged)")
        #expect(refused.status == 400 && refused.fieldErrors == ["?cursor cursor"], "\(refused.text)")
    }
}
