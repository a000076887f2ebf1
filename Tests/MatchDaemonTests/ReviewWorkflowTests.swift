import Foundation
import Testing
@testable import MatchCore

@Suite("The review workflow: one state machine, enforced over HTTP")
struct ReviewWorkflowTests {
    /// Every action from every state: allowed ones move the suggestion where the machine says;
    /// every other one is a 409 naming the current state and the states it is allowed from.
    @Test func everyActionFromEveryStateDoesWhatTheMachineSays() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let (suggestion, _) = try await bench.seed(.proposed)
        let expected: [ReviewAction: SuggestionState] = [
            .approve: .approved, .reject: .rejected, .present: .presented, .contacted: .contacted, .employerAnswer: .employerInterested,
        ]
        var problems: [String] = []
        for state in SuggestionState.allCases {
            for action in ReviewAction.allCases {
                try await bench.force(suggestion, into: state)
                let response = try await tenant.coordinator.post(reviewPath(action, suggestion), reviewBody(action))
                if action.allowedFrom.contains(state) {
                    let now = response.json["state"] as? String
                    if response.status != 200 || now != expected[action]!.rawValue {
                        problems.append("\(action) from \(state): \(response.status) \(response.text)")
                    }
                } else if response.status != 409 || response.fieldErrors != ["/state transition"]
                            || !(response.json["detail"] as? String ?? "").contains("is \(state.rawValue) ")
                            || !action.allowedFrom.allSatisfy({ (response.json["detail"] as? String ?? "").contains($0.rawValue) }) {
                    problems.append("\(action) from \(state): \(response.status) \(response.text)")
                }
            }
            // The employer's own answer: from presented only; before it (or after a rejection) the
            // candidate does not exist for the employer.
            try await bench.force(suggestion, into: state)
            let answer = try await bench.employer.post("/v1/candidates/\(suggestion)/answer", ["interested": true])
            let wanted = state == .presented ? 200 : SuggestionState.visibleToEmployer.contains(state) ? 409 : 404
            if answer.status != wanted { problems.append("employer answer from \(state): \(answer.status), expected \(wanted)") }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func presentingNeedsTheDisclosureConsentAndAnEligibleSupport() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let (suggestion, participant) = try await bench.seed(.approved, disclosure: false)
        let api = tenant.coordinator
        let refused = try await api.post("/v1/suggestions/\(suggestion)/present", ["disclosed_supports": [] as [String]])
        #expect(refused.status == 409 && refused.fieldErrors == ["/consents disclosure_to_employers"], "\(refused.text)")
        #expect(try await bench.state(of: suggestion) == "approved")
        #expect(try await api.post("/v1/participants/\(participant)/consents",
                                   ["purpose": "disclosure_to_employers", "given_on": "2026-01-10"]).status == 201)
        let ineligible = try await api.post("/v1/suggestions/\(suggestion)/present",
                                            ["disclosed_supports": [ReviewBench.notApplying.code, "no_such_support"]])
        #expect(ineligible.status == 422 && ineligible.fieldErrors == ["/disclosed_supports/0 eligible", "/disclosed_supports/1 eligible"],
                "\(ineligible.text)")
        let unknownKey = try await api.post("/v1/suggestions/\(suggestion)/present", ["reason": "hours"])
        #expect(unknownKey.status == 422 && unknownKey.fieldErrors == ["/reason unknown_field"], "\(unknownKey.text)")
        let presented = try await api.post("/v1/suggestions/\(suggestion)/present",
                                           ["disclosed_supports": [ReviewBench.applying.code], "note": "  per telefon  "])
        #expect(presented.status == 200, "\(presented.text)")
        #expect(presented.json["state"] as? String == "presented")
        #expect(presented.json["disclosed_supports"] as? [String] == [ReviewBench.applying.code])
        #expect(presented.header("ETag") == "\"\(presented.json["version"] as? Int ?? 0)\"")
        let history = try await api.get("/v1/suggestions/\(suggestion)/history")
        #expect(history.status == 200)
        #expect(history.items.last?["to_state"] as? String == "presented")
        #expect(history.items.last?["note"] as? String == "per telefon")
        #expect((history.items.last?["actor"] as? String)?.hasPrefix("user:") == true)
        let rejection = try await api.post("/v1/suggestions/\(suggestion)/reject", [:])
        #expect(rejection.status == 422 && rejection.fieldErrors == ["/reason required"], "\(rejection.text)")
    }

    @Test func ifMatchGuardsEveryActionAndAnEmptyBodyIsAnEmptyObject() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let (suggestion, _) = try await bench.seed(.proposed)
        let read = try await tenant.coordinator.get("/v1/suggestions/\(suggestion)")
        let etag = try #require(read.header("ETag"))
        #expect(try await tenant.coordinator.get("/v1/suggestions/\(suggestion)", headers: ["If-None-Match": etag]).status == 304)
        let stale = try await tenant.coordinator.send("POST", "/v1/suggestions/\(suggestion)/approve", headers: ["If-Match": "\"99\""])
        #expect(stale.status == 412, "\(stale.text)")
        let approved = try await tenant.coordinator.send("POST", "/v1/suggestions/\(suggestion)/approve", headers: ["If-Match": etag])
        #expect(approved.status == 200, "\(approved.text)")
        #expect(approved.header("ETag") != etag)
        // Approving gives up the pair's places: both sides are rematched.
        let jobs = try await tenant.connection.query("""
            SELECT kind FROM jobs WHERE args->>'forbund_id' = \(tenant.forbund.id.uuidString.lowercased())
              AND state = 'available' AND args->>'id' IN (\(bench.offer), \(approved.json["participant_id"] as? String ?? ""))
            """).map { try $0.decode(String.self, "kind") }
        #expect(Set(jobs) == ["match.offer", "match.participant"])
    }

    /// Two coordinators approve the same suggestion at the same moment, fifty times over: exactly
    /// one approval applies each time; the other gets 409 (or 412 with the ETag both read).
    @Test func twoApprovalsAtOnceApplyExactlyOnce() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let second = try await TestTenant.secondCoordinator(of: tenant)
        var outcomes: [String] = []
        for round in 0..<50 {
            let (suggestion, _) = try await bench.seed(.proposed)
            let etag = round.isMultiple(of: 2) ? ["If-Match": "\"1\""] : [:]
            async let a = tenant.coordinator.send("POST", "/v1/suggestions/\(suggestion)/approve", headers: etag)
            async let b = second.send("POST", "/v1/suggestions/\(suggestion)/approve", headers: etag)
            let statuses = [try await a.status, try await b.status].sorted()
            outcomes.append("\(statuses)")
            let history = try await tenant.connection.query("""
                SELECT count(*) AS n FROM suggestion_history WHERE forbund_id = \(tenant.forbund.id)
                AND suggestion_id = \(UUID(uuidString: suggestion)!) AND to_state = 'approved'
                """)[0].decode(Int.self, "n")
            #expect(history == 1, "round \(round): approved \(history) times")
            #expect(statuses == [200, 409] || statuses == [200, 412], "round \(round): \(statuses)")
            let version = try await tenant.connection.query("""
                SELECT version FROM suggestions WHERE forbund_id = \(tenant.forbund.id) AND id = \(UUID(uuidString: suggestion)!)
                """)[0].decode(Int.self, "version")
            #expect(version == 2)
        }
    }

    /// Withdrawing the disclosure consent takes what the employer was shown out of its view, in the
    /// same transaction: the answer to the withdrawal already finds the candidate gone.
    @Test func withdrawingDisclosureTakesTheCandidateOutOfTheEmployersView() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let (presented, participant) = try await bench.seed(.presented)
        #expect(try await bench.employer.get("/v1/candidates").items.map { $0["id"] as? String } == [presented])
        let record = try await tenant.coordinator.get("/v1/participants/\(participant)")
        let consent = try #require(((record.json["consents"] as? [[String: Any]]) ?? [])
            .first { $0["purpose"] as? String == "disclosure_to_employers" }?["id"] as? String)
        let withdrawn = try await tenant.coordinator.post("/v1/participants/\(participant)/consents/\(consent)/withdraw", [:])
        #expect(withdrawn.status == 200, "\(withdrawn.text)")
        #expect(try await bench.employer.get("/v1/candidates").items.isEmpty)
        #expect(try await bench.employer.get("/v1/candidates/\(presented)").status == 404)
        let after = try await tenant.coordinator.get("/v1/suggestions/\(presented)")
        #expect(after.json["state"] as? String == "withdrawn")
        #expect(after.json["state_reason"] as? String == "disclosure_withdrawn")
    }

    /// The system's withdrawals reach reviewed suggestions: an offer paused takes its approved,
    /// presented and contacted suggestions with it; a placed one stays.
    @Test func anOfferThatStopsWithdrawsEverySuggestionUnderWay() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        var seeded: [SuggestionState: String] = [:]
        for state in [SuggestionState.proposed, .approved, .presented, .employerInterested, .contacted, .placed, .rejected] {
            seeded[state] = try await bench.seed(state).suggestion
        }
        #expect(try await tenant.coordinator.post("/v1/offers/\(bench.offer)/status", ["status": "paused"]).status == 200)
        for (state, id) in seeded {
            let now = try await bench.state(of: id)
            let expected = SuggestionState.underWay.contains(state) ? "withdrawn" : state.rawValue
            #expect(now == expected, "\(state) became \(now ?? "nil")")
        }
        #expect(try await bench.employer.get("/v1/candidates").items.map { $0["id"] as? String } == [seeded[.placed]])
    }

    /// Who may act: coordinators of the förbund on suggestions; the employer on its own presented
    /// candidates only; another förbund's coordinator finds nothing; operators read nothing personal.
    @Test func eachRoleReachesOnlyWhatItMay() async throws {
        let tenant = try await TestTenant.make()
        let other = try await TestTenant.make()
        defer { Task { await tenant.close(); await other.close() } }
        let bench = try await ReviewBench.make(tenant)
        let rival = try await ReviewBench.make(tenant, organisationsnummer: PublicBodies.regionOstergotland)
        let (proposed, _) = try await bench.seed(.proposed)
        let (presented, _) = try await bench.seed(.presented)
        let (rivals, _) = try await rival.seed(.presented)
        let operatorClient = try await tenant.operatorClient()
        let forA = "?forbund=\(tenant.forbund.id.uuidString.lowercased())"
        var problems: [String] = []
        func expect(_ client: APIClient, _ name: String, _ method: String, _ path: String, _ body: [String: Any]?, _ status: Int) async throws {
            let response = try await client.send(method, path, json: body)
            if response.status != status { problems.append("\(name) \(method) \(path): \(response.status), expected \(status)") }
        }
        for suggestion in [proposed, presented] {
            for action in ReviewAction.allCases {
                try await expect(other.coordinator, "other förbund", "POST", reviewPath(action, suggestion), reviewBody(action), 404)
                try await expect(bench.employer, "employer", "POST", reviewPath(action, suggestion), reviewBody(action), 403)
                try await expect(operatorClient, "operator", "POST", reviewPath(action, suggestion), reviewBody(action), 403)
            }
            for path in ["/v1/suggestions/\(suggestion)", "/v1/suggestions/\(suggestion)/history"] {
                try await expect(other.coordinator, "other förbund", "GET", path, nil, 404)
                try await expect(bench.employer, "employer", "GET", path, nil, 403)
                try await expect(operatorClient, "operator", "GET", path + forA, nil, 400)
                try await expect(operatorClient, "operator", "GET", path, nil, 403)
            }
            try await expect(other.coordinator, "other förbund", "GET", "/v1/candidates/\(suggestion)", nil, 403)
            try await expect(tenant.coordinator, "coordinator", "GET", "/v1/candidates/\(suggestion)", nil, 403)
            try await expect(operatorClient, "operator", "GET", "/v1/candidates/\(suggestion)", nil, 403)
        }
        try await expect(operatorClient, "operator", "GET", "/v1/suggestions", nil, 403)
        try await expect(operatorClient, "operator", "GET", "/v1/candidates", nil, 403)
        // Before presented the employer has no such candidate; another employer's candidate neither.
        try await expect(bench.employer, "employer", "GET", "/v1/candidates/\(proposed)", nil, 404)
        try await expect(bench.employer, "employer", "POST", "/v1/candidates/\(proposed)/answer", ["interested": true], 404)
        try await expect(bench.employer, "employer", "GET", "/v1/candidates/\(rivals)", nil, 404)
        try await expect(bench.employer, "employer", "POST", "/v1/candidates/\(rivals)/answer", ["interested": false], 404)
        try await expect(bench.employer, "employer", "GET", "/v1/candidates/\(presented)", nil, 200)
        let listed = try await bench.employer.get("/v1/candidates").items.compactMap { $0["id"] as? String }
        #expect(listed == [presented])
        let filtered = try await bench.employer.get("/v1/candidates?offer=\(rival.offer)").items
        #expect(filtered.isEmpty)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(try await bench.state(of: rivals) == "presented", "nothing the refused requests tried was applied")
    }
}

@Suite("The event outbox")
struct EventOutboxTests {
    /// An employer's own offer changes are news to the coordinators (every active one, when
    /// nobody follows the employer); a coordinator's are not. Dispatched events go after 30 days.
    @Test func employerOfferChangesAreEventsAndDispatchedOnesArePruned() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let employerID = try #require(UUID(uuidString: bench.employerID))
        let offerID = try #require(UUID(uuidString: bench.offer))
        #expect(try await tenant.count("events") == 0, "a coordinator's offer is no news")
        let read = try await bench.employer.get("/v1/offers/\(bench.offer)")
        #expect(try await bench.employer.put("/v1/offers/\(bench.offer)", offerBody(["title": "Kallskänka"])).status == 200)
        #expect(read.status == 200)
        #expect(try await bench.employer.post("/v1/offers/\(bench.offer)/status", ["status": "paused"]).status == 200)
        #expect(try await bench.employer.post("/v1/offers/\(bench.offer)/status", ["status": "open"]).status == 200)
        let (events, _) = try await StoredEvent.since(0, forbundID: tenant.forbund.id, on: tenant.connection)
        let coordinators = [tenant.coordinatorID]
        #expect(events == ["offer.changed", "offer.changed", "offer.opened"].map {
            StoredEvent(type: $0, suggestion: nil, suggestions: [], participant: nil, offer: offerID, employer: employerID, recipients: coordinators)
        }, "\(events)")

        try await tenant.connection.execute("""
            UPDATE events SET dispatched_at = now() - CASE WHEN type = 'offer.opened' THEN interval '1 day' ELSE interval '31 days' END
            WHERE forbund_id = \(tenant.forbund.id)
            """)
        #expect(try await EventLog().prune(on: tenant.connection) >= 2)
        let left = try await StoredEvent.since(0, forbundID: tenant.forbund.id, on: tenant.connection).0.map(\.type)
        #expect(left == ["offer.opened"])
    }
}

@Suite("matchctl suggestions: the review workflow from the command line")
struct SuggestionsCommandTests {
    func matchctl(_ arguments: [String], _ conninfo: String) throws -> String {
        try ProcessRunner.run(BuiltProducts.url("matchctl").path, arguments + ["--database-url", conninfo], asServerUser: false)
    }

    @Test func listShowApprovePresentAndRejectAreAuditedWithTheReasonGiven() async throws {
        let server = try await SharedAPIServer.shared.start()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let (first, _) = try await bench.seed(.proposed)
        let (second, _) = try await bench.seed(.proposed)
        let scope = ["--forbund", tenant.forbund.name, "--reason", "stöd till koordinatorn"]
        #expect((try? matchctl(["suggestions", "list", "--forbund", tenant.forbund.name], server.conninfo)) == nil, "--reason is required")
        let listed = try matchctl(["suggestions", "list", "--state", "proposed"] + scope, server.conninfo)
        #expect(listed.contains(first) && listed.contains(second), "\(listed)")
        #expect(try matchctl(["suggestions", "approve", first, "--note", "bra match"] + scope, server.conninfo)
            .contains("is approved (version 2)"))
        #expect(try matchctl(["suggestions", "present", first, "--disclose", ReviewBench.applying.code, "--if-version", "2"] + scope,
                             server.conninfo).contains("is presented"))
        #expect(throws: (any Error).self, "approving twice is refused") {
            try matchctl(["suggestions", "approve", first] + scope, server.conninfo)
        }
        #expect(try matchctl(["suggestions", "reject", second, "--code", "timing"] + scope, server.conninfo).contains("is rejected"))
        let shown = try matchctl(["suggestions", "show", first] + scope, server.conninfo)
        #expect(shown.contains("\"to_state\":\"presented\"") && shown.contains("bra match"), "\(shown)")
        #expect(try await bench.employer.get("/v1/candidates").items.map { $0["id"] as? String } == [first])
        let audited = try await tenant.connection.query("""
            SELECT count(*) AS n FROM audit_log WHERE forbund_id = \(tenant.forbund.id) AND entity = 'suggestion'
            AND actor LIKE 'matchctl:%' AND reason = 'stöd till koordinatorn'
            """)[0].decode(Int.self, "n")
        #expect(audited == 3)
        let history = try await tenant.connection.query("""
            SELECT count(*) AS n FROM suggestion_history WHERE forbund_id = \(tenant.forbund.id) AND actor LIKE 'matchctl:%'
            """)[0].decode(Int.self, "n")
        #expect(history == 3)
    }
}

extension TestTenant {
    /// A client for a second coordinator user of the same förbund.
    static func secondCoordinator(of tenant: TestTenant) async throws -> APIClient {
        let token = try await tenant.connection.withTransaction { tx in
            let user = try await TenancyStore().createUser(forbundID: tenant.forbund.id, kind: .coordinator, name: "Lena Lots",
                                                           email: "lena-\(UUID().uuidString.prefix(8))@example.se", in: tx)
            return try await TokenStore().create(role: .coordinator, forbundID: tenant.forbund.id, userID: user.id, in: tx).token
        }
        return APIClient(base: tenant.base, token: token)
    }
}
