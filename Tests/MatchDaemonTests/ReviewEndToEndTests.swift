import Foundation
import Testing
@testable import MatchCore

@Suite("The review path end to end: from an opened offer to a recorded contact", .serialized)
struct ReviewEndToEndTests {
    /// The people of one förbund: two coordinators (Kim follows the participant, Lena the
    /// employer), an employer with a user of its own, and their tokens.
    struct People {
        let forbund: Forbund
        let kim: UUID
        let lena: UUID
        let employerUser: UUID
        let employerID: UUID
        let coordinator: APIClient
        let employer: APIClient
    }

    static func people(_ running: MatchingDaemon, name: String) async throws -> People {
        let coordinatorSetup = try await running.connection.withTransaction { tx in
            _ = try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data), loadedBy: "test", in: tx)
            let forbund = try await TenancyStore().createForbund(name: name, in: tx)
            let kim = try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: "Kim Koordinator",
                                                          email: "kim@example.se", in: tx)
            let lena = try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: "Lena Lots",
                                                           email: "lena@example.se", in: tx)
            let token = try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: kim.id, in: tx).token
            return (forbund, kim.id, lena.id, token)
        }
        let (forbund, kim, lena, token) = coordinatorSetup
        let coordinator = APIClient(base: running.base, token: token)
        let created = try await coordinator.post("/v1/employers", [
            "organisationsnummer": PublicBodies.linkopingsKommun, "name": "Linköpings kommun", "sector": "public",
            "responsible_coordinator_id": lena.uuidString.lowercased(),
        ])
        let employerText = try #require(created.json["id"] as? String, "\(created.text)")
        let employerID = try #require(UUID(uuidString: employerText))
        let (employerUser, employerToken) = try await running.connection.withTransaction { tx in
            let user = try await TenancyStore().createUser(forbundID: forbund.id, kind: .employer, name: "Eva Arbetsgivare",
                                                           email: "eva@linkoping.example.se", employerID: employerID, in: tx)
            return (user.id, try await TokenStore().create(role: .employer, forbundID: forbund.id, userID: user.id, employerID: employerID,
                                                           in: tx).token)
        }
        return People(forbund: forbund, kim: kim, lena: lena, employerUser: employerUser, employerID: employerID,
                      coordinator: coordinator, employer: APIClient(base: running.base, token: employerToken))
    }

    static func matchingIsIdle(_ connection: PostgresConnection) async throws -> Bool {
        try await connection.query("""
            SELECT count(*) AS n FROM jobs WHERE queue = 'matching' AND state IN ('available', 'scheduled', 'running', 'retryable')
            """)[0].decode(Int.self, "n") == 0
    }

    @Test func offerToSuggestionToPresentedCandidateToContactWithTheExactEvents() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let people = try await Self.people(running, name: "Granskning")
        let api = people.coordinator
        let connection = running.connection
        let marker = String(UUID().uuidString.prefix(6)).lowercased()
        let personal = ["REF-\(marker)", "Zlatana Qvist \(marker)", "fågelskådning \(marker)", "anteckning om hälsan \(marker)",
                        "körledare i kyrkan \(marker)"]
        let created = try await api.post("/v1/participants", participantBody([
            "case_reference": personal[0], "name": personal[1], "interests": personal[2], "gender": "annan",
            "responsible_coordinator_id": people.kim.uuidString.lowercased(), "home_kommunkod": "0580",
            "informal_competence": [["source": "voluntary_work", "description": personal[4]]],
            "facts": ["birth_year": 1961, "months_away_last_9": 7, "months_away_last_15": 14],
        ]))
        let participant = try #require(created.json["id"] as? String, "\(created.text)")
        #expect(try await api.post("/v1/participants/\(participant)/consents", ["purpose": "matching", "given_on": "2026-01-10"]).status == 201)
        #expect(try await waitUntil(timeout: .seconds(30)) { try await Self.matchingIsIdle(connection) })
        var (events, last) = try await StoredEvent.since(0, forbundID: people.forbund.id, on: connection)
        #expect(events.isEmpty, "nothing to tell before there is an offer: \(events)")

        // The employer opens an offer itself (a nystartsjobb, which the participant's facts qualify
        // for): Lena, who follows the employer, hears of it.
        let opened = try await people.employer.post("/v1/employers/\(people.employerID.uuidString.lowercased())/offers",
                                                    offerBody(["status": "open", "type": "nystartsjobb", "monthly_wage": 24_000]))
        let offer = try #require(opened.json["id"] as? String, "\(opened.text)")
        let offerID = try #require(UUID(uuidString: offer))
        let participantID = try #require(UUID(uuidString: participant))
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await api.get("/v1/suggestions?offer=\(offer)&state=proposed").items.count == 1
        }, "\(running.daemon.log)")
        #expect(try await waitUntil(timeout: .seconds(30)) { try await Self.matchingIsIdle(connection) })
        let suggestion = try #require(try await api.get("/v1/suggestions?offer=\(offer)").items.first?["id"] as? String)
        let suggestionID = try #require(UUID(uuidString: suggestion))
        (events, last) = try await StoredEvent.since(last, forbundID: people.forbund.id, on: connection)
        #expect(events == [
            StoredEvent(type: "offer.opened", suggestion: nil, suggestions: [], participant: nil, offer: offerID,
                        employer: people.employerID, recipients: [people.lena]),
            StoredEvent(type: "suggestions.new", suggestion: nil, suggestions: [suggestionID], participant: participantID, offer: nil,
                        employer: nil, recipients: [people.kim]),
        ], "\(events)")

        // Kim approves; no one else needs to hear of that.
        let approved = try await api.post("/v1/suggestions/\(suggestion)/approve", ["note": personal[3]])
        #expect(approved.status == 200 && approved.json["state"] as? String == "approved", "\(approved.text)")
        (events, last) = try await StoredEvent.since(last, forbundID: people.forbund.id, on: connection)
        #expect(events == [])

        // Presenting needs the disclosure consent; with it, the employer's user hears of the candidate.
        let refused = try await api.post("/v1/suggestions/\(suggestion)/present", ["disclosed_supports": [] as [String]])
        #expect(refused.status == 409 && refused.fieldErrors == ["/consents disclosure_to_employers"], "\(refused.text)")
        #expect(try await api.post("/v1/participants/\(participant)/consents",
                                   ["purpose": "disclosure_to_employers", "given_on": "2026-02-01"]).status == 201)
        let eligible = ((approved.json["supports"] as? [[String: Any]]) ?? []).filter { $0["applies"] as? Bool == true }
            .compactMap { $0["code"] as? String }
        #expect(!eligible.isEmpty, "the pair is eligible for a support: \(approved.json["supports"] ?? "")")
        let presented = try await api.post("/v1/suggestions/\(suggestion)/present", ["disclosed_supports": eligible, "note": personal[3]],
                                           headers: ["If-Match": approved.header("ETag") ?? ""])
        #expect(presented.status == 200 && presented.json["state"] as? String == "presented", "\(presented.text)")
        (events, last) = try await StoredEvent.since(last, forbundID: people.forbund.id, on: connection)
        #expect(events == [StoredEvent(type: "candidate.presented", suggestion: suggestionID, suggestions: [], participant: participantID,
                                       offer: offerID, employer: people.employerID, recipients: [people.employerUser])], "\(events)")

        // The employer sees the candidate, and nothing that identifies the person.
        let list = try await people.employer.get("/v1/candidates")
        #expect(list.items.map { $0["id"] as? String } == [suggestion])
        let candidate = try await people.employer.get("/v1/candidates/\(suggestion)")
        #expect(candidate.status == 200)
        for raw in [list.text, candidate.text] {
            for value in personal + [participant, "annan", "1961", "0580", "\"gender\"", "\"case_reference\"", "\"interests\"",
                                     "\"max_duration_months\"", "\"failures\""] {
                #expect(!raw.contains(value), "the employer's view holds \(value)")
            }
        }
        #expect(candidate.json["contact"] as? [String: String] == ["name": "Kim Koordinator", "email": "kim@example.se"])
        #expect((candidate.json["disclosed_supports"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == eligible)
        #expect(candidate.json["informal_competence"] as? [String] == ["voluntary_work"])
        // Eva hears of it in her inbox, by the offer's title, never by the person's case reference.
        #expect(try await waitUntil(timeout: .seconds(30)) { !(try await people.employer.get("/v1/inbox").items.isEmpty) })
        let evasInbox = try await people.employer.get("/v1/inbox")
        #expect(evasInbox.items.map { $0["type"] as? String } == ["candidate.presented"], "\(evasInbox.text)")
        #expect(evasInbox.items.first?["text"] as? String == "En kandidat har presenterats för ”Kockbiträde”", "\(evasInbox.text)")
        for value in personal + [participant, "SF-", "\"participant_id\""] {
            #expect(!evasInbox.text.contains(value), "the employer's inbox holds \(value)")
        }
        let disclosures = try await connection.query("""
            SELECT count(*) AS n FROM audit_log WHERE forbund_id = \(people.forbund.id) AND action = 'disclose'
            AND entity = 'participant' AND entity_id = \(participant) AND actor = \("user:" + people.employerUser.uuidString.lowercased())
            """)[0].decode(Int.self, "n")
        #expect(disclosures == 2)

        // The employer is interested: Kim, who follows the participant, hears of it.
        let answered = try await people.employer.post("/v1/candidates/\(suggestion)/answer", ["interested": true, "note": "Gärna ett möte"])
        #expect(answered.status == 200 && answered.json["state"] as? String == "employer_interested", "\(answered.text)")
        (events, last) = try await StoredEvent.since(last, forbundID: people.forbund.id, on: connection)
        #expect(events == [StoredEvent(type: "employer.answered", suggestion: suggestionID, suggestions: [], participant: participantID,
                                       offer: offerID, employer: people.employerID, recipients: [people.kim])], "\(events)")

        // A meeting, then a call: each kept in the history; no event.
        for note in ["Möte på arbetsplatsen", "Uppföljande samtal"] {
            let contacted = try await api.post("/v1/suggestions/\(suggestion)/contacted", ["note": note])
            #expect(contacted.status == 200 && contacted.json["state"] as? String == "contacted", "\(contacted.text)")
        }
        (events, last) = try await StoredEvent.since(last, forbundID: people.forbund.id, on: connection)
        #expect(events == [])
        let history = try await api.get("/v1/suggestions/\(suggestion)/history").items
        #expect(history.map { "\($0["from_state"] as? String ?? "-")→\($0["to_state"] as? String ?? "")" }
                == ["-→proposed", "proposed→approved", "approved→presented", "presented→employer_interested",
                    "employer_interested→contacted", "contacted→contacted"])
        #expect(history.compactMap { $0["note"] as? String }.suffix(3) == ["Gärna ett möte", "Möte på arbetsplatsen", "Uppföljande samtal"])
        #expect(try await people.employer.get("/v1/candidates").items.first?["state"] as? String == "contacted")

        // The matching jobs those steps caused leave the pair where the people put it, and
        // `match verify` finds the stored suggestions as the rule wants them.
        #expect(try await waitUntil(timeout: .seconds(30)) { try await Self.matchingIsIdle(connection) })
        #expect(try await api.get("/v1/suggestions/\(suggestion)").json["state"] as? String == "contacted")
        let verified = try ProcessRunner.run(BuiltProducts.url("matchctl").path, ["match", "verify", "--forbund", "Granskning",
                                                                                  "--database-url", running.conninfo], asServerUser: false)
        #expect(verified.contains("missing: 0  extra: 0"), "\(verified)")
        // Nothing the API was sent about the person reached the daemon's log.
        for value in personal { #expect(!running.daemon.log.contains(value), "the log holds \(value)") }
    }

    /// A coordinator's rejection and an employer's decline hold through rematches: neither pair is
    /// proposed again until something about it changes, and `match verify` agrees.
    @Test func aRejectedPairAndADeclinedCandidateAreNotProposedAgain() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let people = try await Self.people(running, name: "Nej tack")
        let api = people.coordinator
        var participants: [String] = []
        for _ in 0..<3 {
            let id = try #require(try await api.post("/v1/participants", participantBody()).json["id"] as? String)
            for purpose in ["matching", "disclosure_to_employers"] {
                #expect(try await api.post("/v1/participants/\(id)/consents", ["purpose": purpose, "given_on": "2026-01-10"]).status == 201)
            }
            participants.append(id)
        }
        let employer = people.employerID.uuidString.lowercased()
        let offer = try #require(try await api.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).json["id"] as? String)
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await api.get("/v1/suggestions?offer=\(offer)&state=proposed").items.count == 3
        })
        func suggestion(of participant: String) async throws -> String {
            try #require(try await api.get("/v1/suggestions?offer=\(offer)&participant=\(participant)").items.first?["id"] as? String)
        }
        let rejected = try await suggestion(of: participants[0])
        #expect(try await api.post("/v1/suggestions/\(rejected)/reject", ["reason": "participant_declined", "note": "Vill vänta"]).status == 200)
        let declined = try await suggestion(of: participants[1])
        #expect(try await api.post("/v1/suggestions/\(declined)/approve", [:]).status == 200)
        #expect(try await api.post("/v1/suggestions/\(declined)/present", [:]).status == 200)
        let answer = try await people.employer.post("/v1/candidates/\(declined)/answer", ["interested": false, "note": "Inte nu"])
        #expect(answer.status == 200 && answer.json["state"] as? String == "rejected", "\(answer.text)")
        #expect(try await people.employer.get("/v1/candidates").items.isEmpty, "a declined candidate leaves the employer's view")

        // Rematch everything: a new agreement with the employer enqueues its offers, and the
        // participants' jobs run on the decisions above.
        #expect(try await api.post("/v1/employers/\(employer)/agreements", ["kind": "cooperation", "signed_on": "2026-03-01"]).status == 201)
        #expect(try await waitUntil(timeout: .seconds(30)) { try await Self.matchingIsIdle(running.connection) })
        for id in [rejected, declined] {
            let now = try await api.get("/v1/suggestions/\(id)").json
            #expect(now["state"] as? String == "rejected", "\(now)")
        }
        #expect(try await api.get("/v1/suggestions/\(declined)").json["state_reason"] as? String == "employer_declined")
        #expect(try await api.get("/v1/suggestions?offer=\(offer)&state=proposed").items.count == 1)
        let verified = try ProcessRunner.run(BuiltProducts.url("matchctl").path, ["match", "verify", "--forbund", "Nej tack",
                                                                                  "--database-url", running.conninfo], asServerUser: false)
        #expect(verified.contains("missing: 0  extra: 0"), "\(verified)")
    }
}
