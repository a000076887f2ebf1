import Foundation
import Testing
@testable import MatchCore

@Suite("Who may do what: the authorization matrix")
struct AuthorizationMatrixTests {
    @Test func eachRoleGetsExactlyItsRightsOnEveryEndpoint() async throws {
        let a = try await TestTenant.make()
        let b = try await TestTenant.make()
        defer { Task { await a.close(); await b.close() } }
        let e1 = try await a.createEmployer(PublicBodies.linkopingsKommun, name: "E1")
        let e2 = try await a.createEmployer(PublicBodies.regionOstergotland, name: "E2")
        let f1 = try await b.createEmployer(PublicBodies.linkopingsKommun, name: "F1")
        func offer(_ tenant: TestTenant, _ employer: String) async throws -> String {
            let response = try await tenant.coordinator.post("/v1/employers/\(employer)/offers", offerBody())
            return try #require(response.json["id"] as? String)
        }
        let o1 = try await offer(a, e1)
        let o2 = try await offer(a, e2)
        let p1 = try await offer(b, f1)
        let g1 = try #require(try await a.coordinator.post("/v1/employers/\(e1)/agreements",
                                                           ["kind": "cooperation", "signed_on": "2026-01-10"]).json["id"] as? String)

        // Suggestions of a's offers, one per route that acts on one, in the state it starts from.
        func seeded(_ offer: String, _ state: SuggestionState) async throws -> String {
            let participant = try #require(try await a.coordinator.post("/v1/participants", participantBody()).json["id"] as? String)
            let id = try await ReviewSeed.suggestion(a, participant: participant, offer: offer)
            try await ReviewSeed.force(a, id, into: state)
            return id
        }
        let sRead = try await seeded(o1, .proposed)
        let sApprove = try await seeded(o1, .proposed)
        let sReject = try await seeded(o1, .approved)
        let sPresent = try await seeded(o1, .approved)
        let sContact = try await seeded(o1, .presented)
        let sAnswer = try await seeded(o1, .presented)
        let cMine = try await seeded(o1, .presented)
        let cTheirs = try await seeded(o2, .presented)
        // Placements on an offer of their own, with room for three.
        let o3 = try #require(try await a.coordinator.post("/v1/employers/\(e1)/offers", offerBody(["positions": 3, "status": "open"]))
            .json["id"] as? String)
        let today = CalendarDate.inSweden()
        let placementBody: [String: Any] = ["start_date": today.adding(days: -10).description, "hours_per_week": 20,
                                            "handledare_name": "Karin", "handledare_contact": "013-200000", "keeps_seeking": true]
        let sPlace = try await seeded(o3, .employerInterested)
        let placed = try await a.coordinator.post("/v1/suggestions/\(try await seeded(o3, .contacted))/placement", placementBody)
        let pl = try #require(placed.json["id"] as? String, "\(placed.text)")
        let ci = try #require(try await a.coordinator.get("/v1/placements/\(pl)/check-ins").items.first?["id"] as? String)

        let clients: [String: APIClient] = [
            "coordA": a.coordinator, "coordB": b.coordinator,
            "empE1": try await a.employerClient(try #require(UUID(uuidString: e1))),
            "operator": try await a.operatorClient(), "anonymous": APIClient(base: a.base, token: nil),
        ]
        let forA = "?forbund=\(a.forbund.id.uuidString.lowercased())"
        let employerBody: [String: Any] = ["organisationsnummer": PublicBodies.skatteverket, "name": "S", "sector": "public"]
        let agreementBody: [String: Any] = ["kind": "training", "signed_on": "2026-02-01"]

        // (method, path, body, expected status for coordA, coordB, empE1, operator, anonymous)
        let matrix: [(String, String, [String: Any]?, [Int])] = [
            ("GET", "/v1/me", nil, [200, 200, 200, 200, 401]),
            ("GET", "/v1/employers", nil, [200, 200, 200, 400, 401]),
            ("GET", "/v1/employers" + forA, nil, [200, 200, 200, 200, 401]),
            ("POST", "/v1/employers", employerBody, [201, 201, 403, 403, 401]),
            ("GET", "/v1/employers/\(e1)", nil, [200, 404, 200, 400, 401]),
            ("GET", "/v1/employers/\(e1)" + forA, nil, [200, 404, 200, 200, 401]),
            ("GET", "/v1/employers/\(e2)", nil, [200, 404, 404, 400, 401]),
            ("PUT", "/v1/employers/\(e2)", ["organisationsnummer": PublicBodies.regionOstergotland, "name": "E2",
                                            "sector": "public"], [200, 404, 403, 403, 401]),
            ("DELETE", "/v1/employers/\(f1)", nil, [404, 409, 403, 403, 401]),
            ("GET", "/v1/employers/\(e1)/agreements", nil, [200, 404, 200, 400, 401]),
            ("GET", "/v1/employers/\(e1)/agreements" + forA, nil, [200, 404, 200, 200, 401]),
            ("POST", "/v1/employers/\(e1)/agreements", agreementBody, [201, 404, 403, 403, 401]),
            ("GET", "/v1/employers/\(e1)/agreements/\(g1)", nil, [200, 404, 200, 400, 401]),
            ("PUT", "/v1/employers/\(e1)/agreements/\(g1)", agreementBody, [200, 404, 403, 403, 401]),
            ("GET", "/v1/employers/\(e2)/agreements", nil, [200, 404, 404, 400, 401]),
            ("GET", "/v1/employers/\(e1)/offers", nil, [200, 404, 200, 400, 401]),
            ("GET", "/v1/employers/\(e2)/offers", nil, [200, 404, 404, 400, 401]),
            ("POST", "/v1/employers/\(e1)/offers", offerBody(), [201, 404, 201, 403, 401]),
            ("POST", "/v1/employers/\(e2)/offers", offerBody(), [201, 404, 404, 403, 401]),
            ("GET", "/v1/offers", nil, [200, 200, 200, 400, 401]),
            ("GET", "/v1/offers/\(o1)", nil, [200, 404, 200, 400, 401]),
            ("GET", "/v1/offers/\(o2)", nil, [200, 404, 404, 400, 401]),
            ("GET", "/v1/offers/\(o2)" + forA, nil, [200, 404, 404, 200, 401]),
            ("GET", "/v1/offers/\(p1)", nil, [404, 200, 404, 400, 401]),
            ("PUT", "/v1/offers/\(o1)", offerBody(), [200, 404, 200, 403, 401]),
            ("PUT", "/v1/offers/\(o2)", offerBody(), [200, 404, 404, 403, 401]),
            ("GET", "/v1/offers/\(o2)/history", nil, [200, 404, 404, 400, 401]),
            ("POST", "/v1/offers/\(o2)/status", ["status": "closed"], [200, 404, 404, 403, 401]),
            ("DELETE", "/v1/employers/\(e1)/agreements/\(g1)", nil, [204, 404, 403, 403, 401]),
            ("GET", "/v1/suggestions", nil, [200, 200, 403, 403, 401]),
            ("GET", "/v1/suggestions/\(sRead)", nil, [200, 404, 403, 403, 401]),
            ("GET", "/v1/suggestions/\(sRead)/history", nil, [200, 404, 403, 403, 401]),
            ("POST", "/v1/suggestions/\(sApprove)/approve", [:], [200, 404, 403, 403, 401]),
            ("POST", "/v1/suggestions/\(sReject)/reject", ["reason": "timing"], [200, 404, 403, 403, 401]),
            ("POST", "/v1/suggestions/\(sPresent)/present", ["disclosed_supports": ["lonebidrag"]], [200, 404, 403, 403, 401]),
            ("POST", "/v1/suggestions/\(sContact)/contacted", ["note": "möte"], [200, 404, 403, 403, 401]),
            ("POST", "/v1/suggestions/\(sAnswer)/employer-answer", ["interested": true], [200, 404, 403, 403, 401]),
            ("GET", "/v1/candidates", nil, [403, 403, 200, 403, 401]),
            ("GET", "/v1/candidates/\(sRead)", nil, [403, 403, 404, 403, 401]),
            ("GET", "/v1/candidates/\(cTheirs)", nil, [403, 403, 404, 403, 401]),
            ("POST", "/v1/candidates/\(cTheirs)/answer", ["interested": true], [403, 403, 404, 403, 401]),
            ("GET", "/v1/candidates/\(cMine)", nil, [403, 403, 200, 403, 401]),
            ("POST", "/v1/candidates/\(cMine)/answer", ["interested": false], [403, 403, 200, 403, 401]),
            ("POST", "/v1/suggestions/\(sPlace)/placement", placementBody, [201, 404, 403, 403, 401]),
            ("GET", "/v1/placements", nil, [200, 200, 403, 403, 401]),
            ("GET", "/v1/placements/\(pl)", nil, [200, 404, 403, 403, 401]),
            ("GET", "/v1/placements/\(pl)/check-ins", nil, [200, 404, 403, 403, 401]),
            ("POST", "/v1/placements/\(pl)/check-ins/\(ci)", ["done_on": today.description, "with_whom": "both", "status": "going_well"],
             [200, 404, 403, 403, 401]),
            ("POST", "/v1/placements/\(pl)/end", ["ended_on": today.description, "outcome": "studies"], [200, 404, 403, 403, 401]),
            ("POST", "/v1/placements/\(pl)/follow-along/end", [:], [200, 404, 403, 403, 401]),
        ]
        let roles = ["coordA", "coordB", "empE1", "operator", "anonymous"]
        var mismatches: [String] = []
        for (method, path, body, expected) in matrix {
            // Least privileged first, so a write that should be refused cannot change what the next role sees.
            for index in [4, 3, 2, 1, 0] {
                let response = try await clients[roles[index]]!.send(method, path, json: body)
                if response.status != expected[index] {
                    mismatches.append("\(roles[index]) \(method) \(path): \(response.status), expected \(expected[index])")
                }
                if response.status >= 400, response.header("Content-Type") != "application/problem+json" {
                    mismatches.append("\(roles[index]) \(method) \(path): \(response.status) without problem+json")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")

        // What the lists show: an employer only itself and its offers; no förbund the other's.
        let employerView = try await clients["empE1"]!.get("/v1/employers")
        #expect(employerView.items.compactMap { $0["id"] as? String } == [e1])
        let employerOffers = try await clients["empE1"]!.get("/v1/offers")
        #expect(employerOffers.items.allSatisfy { $0["employer_id"] as? String == e1 })
        #expect(!employerOffers.items.isEmpty)
        let bView = try await b.coordinator.get("/v1/offers")
        #expect(bView.items.allSatisfy { $0["forbund_id"] as? String == b.forbund.id.uuidString.lowercased() })
        let bEmployers = try await b.coordinator.get("/v1/employers?limit=200")
        #expect(!bEmployers.items.contains { [e1, e2].contains($0["id"] as? String ?? "") })
        // Placements are the förbund's own; their outcomes by employer are for coordinators only.
        #expect(try await b.coordinator.get("/v1/placements").items.isEmpty)
        #expect(try await a.coordinator.get("/v1/placements").items.contains { $0["id"] as? String == pl })
        #expect(try await clients["empE1"]!.get("/v1/employers/\(e1)").json["placements"] is NSNull)
        #expect(try await clients["operator"]!.get("/v1/employers/\(e1)" + forA).json["placements"] is NSNull)
        #expect((try await a.coordinator.get("/v1/employers/\(e1)").json["placements"] as? [String: Any])?["active"] as? Int == 1)
        let operatorView = try await clients["operator"]!.get("/v1/offers" + forA)
        #expect(operatorView.items.allSatisfy { $0["forbund_id"] as? String == a.forbund.id.uuidString.lowercased() })
    }
}
