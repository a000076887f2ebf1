import Foundation
import Testing
@testable import MatchCore

/// A matchd with its matching workers on a fresh database, its HTTP base, and a direct connection.
struct MatchingDaemon {
    let conninfo: String
    let daemon: DaemonProcess
    let base: String
    let connection: PostgresConnection

    static func start(_ extra: [String: String] = [:]) async throws -> MatchingDaemon {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let port = try freePort()
        let daemon = try DaemonProcess(conninfo: conninfo, extra: extra.merging(["LOTSEN_HTTP_PORT": String(port)]) { $1 })
        let base = "http://127.0.0.1:\(port)"
        let up = try await waitUntil(timeout: .seconds(30)) { (try? await APIClient(base: base).get("/readyz"))?.status == 200 }
        #expect(up, "\(daemon.log)")
        return MatchingDaemon(conninfo: conninfo, daemon: daemon, base: base, connection: try await PostgresConnection.connect(conninfo))
    }

    func stop() {
        daemon.terminate()
        let connection = connection
        Task { await connection.close() }
    }
}

@Suite("Matching end to end: offers and participants to explained suggestions", .serialized)
struct MatchingEndToEndTests {
    @Test func anOpenedOfferIsMatchedAndClosingOrWithdrawingConsentWithdrawsItsSuggestions() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let (conninfo, daemon, base, connection) = (running.conninfo, running.daemon, running.base, running.connection)
        let token = try await connection.withTransaction { tx in
            _ = try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data), loadedBy: "test", in: tx)
            let forbund = try await TenancyStore().createForbund(name: "Matchning", in: tx)
            return try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: nil, in: tx).token
        }
        let api = APIClient(base: base, token: token)

        func consenting(_ changes: [String: Any]) async throws -> String {
            let created = try await api.post("/v1/participants", participantBody(changes))
            let id = try #require(created.json["id"] as? String, "\(created.text)")
            #expect(try await api.post("/v1/participants/\(id)/consents", ["purpose": "matching", "given_on": "2026-01-10"]).status == 201)
            return id
        }
        let near = try await consenting(["hours_per_week": 25, "adaptation_needs": ["quiet_workspace"]])
        let noConsent = try #require(try await api.post("/v1/participants", participantBody()).json["id"] as? String)
        let needsLift = try await consenting(["adaptation_needs": ["physical_accessibility"]])

        let employer = try #require(try await api.post("/v1/employers", [
            "organisationsnummer": PublicBodies.linkopingsKommun, "name": "Linköpings kommun", "sector": "public",
        ]).json["id"] as? String)
        let offer = try #require(try await api.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).json["id"] as? String)

        func suggestions(_ query: String) async throws -> [[String: Any]] {
            try await api.get("/v1/suggestions?\(query)").items
        }
        let matched = try await waitUntil(timeout: .seconds(30)) {
            try await suggestions("offer=\(offer)&state=proposed").contains { $0["participant_id"] as? String == near }
        }
        #expect(matched, "\(daemon.log)")
        let forOffer = try await suggestions("offer=\(offer)")
        #expect(!forOffer.contains { $0["participant_id"] as? String == noConsent }, "no consent, no suggestion")
        #expect(!forOffer.contains { $0["participant_id"] as? String == needsLift }, "a needed adaptation is not offered")
        let suggestion = try #require(forOffer.first { $0["participant_id"] as? String == near })
        let components = (suggestion["components"] as? [[String: Any]]) ?? []
        #expect(components.count == 8)
        #expect((components.first?["sentence_sv"] as? String)?.contains("(5120) matchar erbjudandet exakt") == true)
        #expect((suggestion["score"] as? Double).map { (0...1).contains($0) } == true)
        #expect(suggestion["supports"] is [Any])
        let id = try #require(suggestion["id"] as? String)
        #expect(try await api.get("/v1/suggestions/\(id)").json["state"] as? String == "proposed")

        // The market-wide assignment marks the pair recommended; matchctl explains the ranking.
        let matchctl = BuiltProducts.url("matchctl").path
        let rebalanced = try ProcessRunner.run(matchctl, ["match", "rebalance", "--database-url", conninfo], asServerUser: false)
        #expect(rebalanced.contains("Matchning: 1 recommended"), "\(rebalanced)")
        #expect(try await api.get("/v1/suggestions/\(id)").json["recommended"] as? Bool == true)
        let reference = try #require(try await api.get("/v1/participants/\(near)").json["case_reference"] as? String)
        let explained = try ProcessRunner.run(matchctl, ["match", "participant", "--forbund", "Matchning", "--reason", "granskning av förslag",
                                                         reference, "--database-url", conninfo], asServerUser: false)
        #expect(explained.contains("Kockbiträde"), "\(explained)")
        #expect(explained.contains("matchar erbjudandet exakt"))
        let lifted = try #require(try await api.get("/v1/participants/\(needsLift)").json["case_reference"] as? String)
        let why = try ProcessRunner.run(matchctl, ["match", "participant", "--forbund", "Matchning", "--reason", "granskning av förslag",
                                                   lifted, "--explain", offer, "--database-url", conninfo], asServerUser: false)
        #expect(why.contains("adaptation"), "\(why)")

        // Closing the offer withdraws its suggestions in the same transaction.
        #expect(try await api.post("/v1/offers/\(offer)/status", ["status": "closed"]).status == 200)
        let closed = try await api.get("/v1/suggestions/\(id)")
        #expect(closed.json["state"] as? String == "withdrawn")
        #expect(closed.json["state_reason"] as? String == "offer_closed")

        // A second offer; withdrawing consent takes the participant's suggestions with it at once.
        let second = try #require(try await api.post("/v1/employers/\(employer)/offers", offerBody(["status": "open", "title": "Diskare"]))
            .json["id"] as? String)
        let rematched = try await waitUntil(timeout: .seconds(30)) {
            try await suggestions("offer=\(second)&participant=\(near)&state=proposed").count == 1
        }
        #expect(rematched)
        let participant = try await api.get("/v1/participants/\(near)")
        let consentID = try #require(((participant.json["consents"] as? [[String: Any]]) ?? []).first?["id"] as? String)
        #expect(try await api.post("/v1/participants/\(near)/consents/\(consentID)/withdraw", [:]).status == 200)
        let after = try await suggestions("participant=\(near)&offer=\(second)")
        #expect(after.first?["state"] as? String == "withdrawn")
        #expect(after.first?["state_reason"] as? String == "no_consent")
        let history = try await connection.query("""
            SELECT count(*) AS n FROM suggestion_history WHERE to_state = 'withdrawn'
            """)[0].decode(Int.self, "n")
        #expect(history >= 2)
    }
}

@Suite("Rejected suggestions stay rejected until what they concerned changes", .serialized)
struct RejectionEndToEndTests {
    @Test func aRejectionHoldsThroughUnrelatedChangesAndReopensWhenItsFactsChange() async throws {
        // One suggestion per participant: a rejected pair must give its place to the next offer.
        let running = try await MatchingDaemon.start(["LOTSEN_MATCHING_TOP_PER_PARTICIPANT": "1"])
        defer { running.stop() }
        let (conninfo, daemon, base, connection) = (running.conninfo, running.daemon, running.base, running.connection)
        let token = try await connection.withTransaction { tx in
            let forbund = try await TenancyStore().createForbund(name: "Avslag", in: tx)
            return try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: nil, in: tx).token
        }
        let api = APIClient(base: base, token: token)
        var body = participantBody()
        let participant = try #require(try await api.post("/v1/participants", body).json["id"] as? String)
        #expect(try await api.post("/v1/participants/\(participant)/consents", ["purpose": "matching", "given_on": "2026-01-10"]).status == 201)
        let employer = try #require(try await api.post("/v1/employers", [
            "organisationsnummer": PublicBodies.linkopingsKommun, "name": "Linköpings kommun", "sector": "public",
        ]).json["id"] as? String)
        let offer = try #require(try await api.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).json["id"] as? String)
        // A second offer, further from the participant's wish: second in the ranking.
        let other = try #require(try await api.post("/v1/employers/\(employer)/offers",
                                                    offerBody(["status": "open", "occupation": "9412", "title": "Diskare"])).json["id"] as? String)

        func suggestion(_ forOffer: String? = nil) async throws -> [String: Any]? {
            let chosen = forOffer ?? offer
            return try await api.get("/v1/suggestions?participant=\(participant)&offer=\(chosen)").items.first
        }
        func matchingIsIdle() async throws -> Bool {
            try await connection.query("""
                SELECT count(*) AS n FROM jobs WHERE queue = 'matching' AND state IN ('available', 'scheduled', 'running', 'retryable')
                """)[0].decode(Int.self, "n") == 0
        }
        func changeParticipant(_ changes: [String: Any]) async throws {
            let current = try await api.get("/v1/participants/\(participant)")
            for (key, value) in changes { body[key] = value }
            let put = try await api.put("/v1/participants/\(participant)", body, headers: ["If-Match": current.header("ETag") ?? ""])
            #expect(put.status == 200, "\(put.text)")
            #expect(try await waitUntil(timeout: .seconds(30)) { try await matchingIsIdle() })
        }
        #expect(try await waitUntil(timeout: .seconds(30)) { try await suggestion()?["state"] as? String == "proposed" }, "\(daemon.log)")
        let idText = try #require(try await suggestion()?["id"] as? String)
        let id = try #require(UUID(uuidString: idText))

        // The coordinator rejects the pair because of the hours; the facts are kept with it.
        let refused = try await api.post("/v1/suggestions/\(idText)/reject", ["reason": "hours", "note": "för få timmar just nu"])
        #expect(refused.status == 200, "\(refused.text)")
        let rejected = try #require(try await suggestion())
        #expect(rejected["state"] as? String == "rejected")
        #expect(rejected["state_reason"] as? String == "hours")
        let snapshot = try await connection.query("SELECT rejection_snapshot::text AS s FROM suggestions WHERE id = \(id)")[0]
            .decode(String.self, "s")
        #expect(snapshot.contains("participant.hours_per_week") && snapshot.contains("offer.hours_min"))

        // A change the rejection did not concern: matching runs again and leaves the pair out, so
        // the second offer is the participant's top one (had the rejected pair kept its place, the
        // second would now be withdrawn as not in the top).
        try await changeParticipant(["languages": [["language": "sv", "level": "b1"], ["language": "en", "level": "b2"]]])
        #expect(try await suggestion()?["state"] as? String == "rejected")
        #expect(try await suggestion(other)?["state"] as? String == "proposed")
        // So does a change on the offer's side that has nothing to do with hours.
        let offerNow = try await api.get("/v1/offers/\(offer)")
        #expect(try await api.put("/v1/offers/\(offer)", offerBody(["status": "open", "description": "Nya rutiner i köket."]),
                                  headers: ["If-Match": offerNow.header("ETag") ?? ""]).status == 200)
        #expect(try await waitUntil(timeout: .seconds(30)) { try await matchingIsIdle() })
        #expect(try await suggestion()?["state"] as? String == "rejected")

        // The hours change: the pair competes again and is proposed anew, and the history says why.
        try await changeParticipant(["hours_per_week": 25])
        #expect(try await waitUntil(timeout: .seconds(30)) { try await suggestion()?["state"] as? String == "proposed" }, "\(daemon.log)")
        let reopened = try await connection.query("""
            SELECT count(*) AS n FROM suggestion_history
            WHERE suggestion_id = \(id) AND from_state = 'rejected' AND to_state = 'proposed' AND reason = 'changed_since_rejection'
            """)[0].decode(Int.self, "n")
        #expect(reopened == 1)

        // The right of access covers the suggestions and their history.
        let reference = try #require(body["case_reference"] as? String)
        let export = try ProcessRunner.run(BuiltProducts.url("matchctl").path, [
            "participants", "export", "--forbund", "Avslag", "--reason", "begäran om registerutdrag", reference, "--database-url", conninfo,
        ], asServerUser: false)
        let exported = try #require(try JSONSerialization.jsonObject(with: Data(export.utf8)) as? [String: Any])
        #expect((exported["suggestions"] as? [[String: Any]])?.contains { $0["id"] as? String == idText } == true, "\(export)")
        #expect((exported["suggestion_history"] as? [[String: Any]])?.contains { $0["reason"] as? String == "changed_since_rejection" } == true)
    }
}

@Suite("Exclusions and AF registration sent through the API reach matching", .serialized)
struct ParticipantFieldsReachMatchingTests {
    /// `excluded_employer_ids` and `facts.registered_at_af_since` are stored as sent: the excluded
    /// employer's offer is never suggested, and a participant registered at AF with reduced capacity
    /// is eligible for lönebidrag on a wage-subsidised offer.
    @Test func anExcludedEmployerIsNeverSuggestedAndAFRegistrationMakesLonebidragApply() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let token = try await running.connection.withTransaction { tx in
            _ = try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data), loadedBy: "test", in: tx)
            let forbund = try await TenancyStore().createForbund(name: "Undantag", in: tx)
            return try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: nil, in: tx).token
        }
        let api = APIClient(base: running.base, token: token)
        func employer(_ number: String, _ name: String) async throws -> String {
            try #require(try await api.post("/v1/employers", ["organisationsnummer": number, "name": name, "sector": "public"])
                .json["id"] as? String)
        }
        let excluded = try await employer(PublicBodies.linkopingsKommun, "Linköpings kommun")
        let welcome = try await employer(PublicBodies.regionOstergotland, "Region Östergötland")
        let subsidised = offerBody(["status": "open", "type": "lonestod", "monthly_wage": 24_000])
        let excludedOffer = try #require(try await api.post("/v1/employers/\(excluded)/offers", subsidised).json["id"] as? String)
        let welcomeOffer = try #require(try await api.post("/v1/employers/\(welcome)/offers", subsidised).json["id"] as? String)

        let created = try await api.post("/v1/participants", participantBody([
            "excluded_employer_ids": [excluded],
            "facts": ["birth_year": 1985, "registered_at_af_since": "2024-03-01", "disability_reduced_capacity": true,
                      "assessed_capacity_percent": 50],
        ]))
        let participant = try #require(created.json["id"] as? String, "\(created.text)")
        #expect(created.json["excluded_employer_ids"] as? [String] == [excluded])
        #expect((created.json["facts"] as? [String: Any])?["registered_at_af_since"] as? String == "2024-03-01")
        #expect(try await api.post("/v1/participants/\(participant)/consents", ["purpose": "matching", "given_on": "2026-01-10"]).status == 201)

        let matched = try await waitUntil(timeout: .seconds(30)) {
            try await api.get("/v1/suggestions?participant=\(participant)").items.contains { $0["offer_id"] as? String == welcomeOffer }
        }
        #expect(matched, "\(running.daemon.log)")
        let suggestions = try await api.get("/v1/suggestions?participant=\(participant)").items
        #expect(!suggestions.contains { $0["offer_id"] as? String == excludedOffer }, "an excluded employer is never suggested")
        let suggestion = try #require(suggestions.first { $0["offer_id"] as? String == welcomeOffer })
        let lonebidrag = try #require((suggestion["supports"] as? [[String: Any]])?.first { $0["code"] as? String == "lonebidrag" })
        #expect(lonebidrag["applies"] as? Bool == true, "\(lonebidrag)")
        // The capacity share of a wage capped at 20 000 kr full time, 15 000 kr for the offer's 30
        // hours of 40: half of it at 50 % capacity.
        #expect(lonebidrag["estimated_monthly_amount"] as? Int == 7_500, "\(lonebidrag)")
        // Suggestions have exactly the documented shape (the shared API server runs no matching,
        // so the contract tests see none): the list and one suggestion.
        let document = try ContractDocument()
        for (operationID, path) in [("listSuggestions", "/v1/suggestions?participant=\(participant)"),
                                    ("getSuggestion", "/v1/suggestions/\(try #require(suggestion["id"] as? String))")] {
            let operation = try #require(document.operations.first { $0.id == operationID }, "\(operationID) in openapi.json")
            let answer = try await api.get(path)
            #expect(answer.status == 200)
            let body = try JSONSerialization.jsonObject(with: answer.body)
            let problems = document.shapeProblems(body, document.responseSchema(operation, status: 200))
            #expect(problems.isEmpty, "\(operationID): \(problems)")
        }
        let supports = try await api.get("/v1/participants/\(participant)/supports?offer=\(welcomeOffer)")
        #expect((supports.json["supports"] as? [[String: Any]])?.first { $0["code"] as? String == "lonebidrag" }?["applies"] as? Bool == true)
    }
}
