import Foundation
import Testing
@testable import MatchCore

@Suite("Placements end to end: from an interested employer to a placement that ends, followed along", .serialized)
struct PlacementEndToEndTests {
    /// A participant in the review flow's shape, with Kim as their coordinator and both consents.
    static func participant(_ people: ReviewEndToEndTests.People, reference: String) async throws -> String {
        let created = try await people.coordinator.post("/v1/participants", participantBody([
            "case_reference": reference, "responsible_coordinator_id": people.kim.uuidString.lowercased(),
            "facts": ["birth_year": 1961, "months_away_last_9": 7, "months_away_last_15": 14],
        ]))
        let id = try #require(created.json["id"] as? String, "\(created.text)")
        for purpose in ["matching", "disclosure_to_employers"] {
            #expect(try await people.coordinator.post("/v1/participants/\(id)/consents", ["purpose": purpose, "given_on": "2026-01-10"]).status == 201)
        }
        return id
    }

    /// Takes the participant's suggestion on `offer` through approval, presentation with its
    /// eligible supports and the employer's yes; returns its id and the codes disclosed.
    static func interested(_ people: ReviewEndToEndTests.People, participant: String, offer: String) async throws -> (String, [String]) {
        let api = people.coordinator
        let suggestion = try #require(try await api.get("/v1/suggestions?offer=\(offer)&participant=\(participant)").items.first,
                                      "no suggestion of \(participant) on \(offer)")
        let id = try #require(suggestion["id"] as? String)
        let eligible = ((suggestion["supports"] as? [[String: Any]]) ?? []).filter { $0["applies"] as? Bool == true }
            .compactMap { $0["code"] as? String }
        #expect(try await api.post("/v1/suggestions/\(id)/approve", [:]).status == 200)
        #expect(try await api.post("/v1/suggestions/\(id)/present", ["disclosed_supports": eligible]).status == 200)
        #expect(try await people.employer.post("/v1/candidates/\(id)/answer", ["interested": true]).status == 200)
        return (id, eligible)
    }

    static func verify(_ running: MatchingDaemon, _ forbund: String) throws -> String {
        try ProcessRunner.run(BuiltProducts.url("matchctl").path, ["match", "verify", "--forbund", forbund, "--database-url", running.conninfo],
                              asServerUser: false)
    }

    @Test func interestedToPlacedToFollowedAlongToEndedWithTheOutcomeKeptAfterErasure() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Placering")
        let api = people.coordinator
        let connection = running.connection
        let forbundID = people.forbund.id
        let idle = { try await ReviewEndToEndTests.matchingIsIdle(connection) }
        let employer = people.employerID.uuidString.lowercased()
        let today = CalendarDate.inSweden()

        // Two offers of one employer: a nystartsjobb with two positions, and a work training offer.
        let job = try #require(try await api.post("/v1/employers/\(employer)/offers", offerBody([
            "status": "open", "type": "nystartsjobb", "monthly_wage": 24_000, "positions": 2,
        ])).json["id"] as? String)
        let training = try #require(try await api.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).json["id"] as? String)
        let refs = (0..<3).map { "PL-\($0)-\(UUID().uuidString.prefix(4))" }
        var participants: [String] = []
        for ref in refs { participants.append(try await Self.participant(people, reference: ref)) }
        #expect(try await waitUntil(timeout: .seconds(30)) {
            let jobs = try await api.get("/v1/suggestions?offer=\(job)&state=proposed").items.count
            let trainings = try await api.get("/v1/suggestions?offer=\(training)&state=proposed").items.count
            return jobs == 3 && trainings == 3
        }, "\(running.daemon.log)")
        #expect(try await waitUntil(timeout: .seconds(30), idle))
        var (_, last) = try await StoredEvent.since(0, forbundID: forbundID, on: connection)

        // The first placement: supports applied for must be disclosed ones.
        let (first, eligible) = try await Self.interested(people, participant: participants[0], offer: job)
        #expect(!eligible.isEmpty, "the pair is eligible for nystartsjobb")
        let start = today.adding(days: 10)
        var body: [String: Any] = ["start_date": start.description, "hours_per_week": 20, "handledare_name": "Karin Berg",
                                   "handledare_contact": "013-20 00 00", "supports_applied_for": ["lonebidrag_utveckling"]]
        let undisclosed = try await api.post("/v1/suggestions/\(first)/placement", body)
        #expect(undisclosed.status == 422 && undisclosed.fieldErrors == ["/supports_applied_for/0 disclosed"], "\(undisclosed.text)")
        body["supports_applied_for"] = eligible
        let placed = try await api.post("/v1/suggestions/\(first)/placement", body)
        #expect(placed.status == 201, "\(placed.text)")
        let placement = try #require(placed.json["id"] as? String)
        #expect(placed.header("Location") == "/v1/placements/\(placement)")
        #expect(placed.json["type"] as? String == "nystartsjobb", "the offer's type by default")
        let applied = try #require(placed.json["supports"] as? [[String: Any]])
        #expect(applied.map { $0["code"] as? String } == eligible.map { $0 } && applied.allSatisfy { $0["estimated_monthly_amount"] is Int },
                "\(applied)")
        #expect(try await api.get("/v1/suggestions/\(first)").json["state"] as? String == "placed")
        // Not seeking any more: the participant's suggestion on the other offer is withdrawn as placed elsewhere.
        let elsewhere = try #require(try await api.get("/v1/suggestions?offer=\(training)&participant=\(participants[0])").items.first)
        #expect(elsewhere["state"] as? String == "withdrawn" && elsewhere["state_reason"] as? String == "placed_elsewhere", "\(elsewhere)")
        #expect(try await api.get("/v1/participants/\(participants[0])").json["seeking"] as? Bool == false)
        // Positions taken come from placements: one of two.
        #expect(try await api.get("/v1/offers/\(job)").json["status"] as? String == "open")
        #expect((try await api.get("/v1/employers/\(employer)").json["placements"] as? [String: Any])?["active"] as? Int == 1)
        // The follow-along: the contact a week before the start and the one three days after it.
        let checkIns = try await api.get("/v1/placements/\(placement)/check-ins").items
        #expect(checkIns.map { "\($0["kind"] as? String ?? "")@\($0["due_on"] as? String ?? "")" }
                == ["before_start@\(start.adding(days: -7))", "after_start@\(start.adding(days: 3))"], "\(checkIns)")

        // The second placement takes the last position: the offer is filled and its other
        // suggestion withdrawn; this participant keeps seeking, so theirs on the other offer stays.
        #expect(try await waitUntil(timeout: .seconds(30), idle))
        let (second, _) = try await Self.interested(people, participant: participants[1], offer: job)
        #expect(try await api.post("/v1/suggestions/\(second)/contacted", ["note": "Möte"]).status == 200)
        let placedSecond = try await api.post("/v1/suggestions/\(second)/placement", [
            "start_date": today.adding(days: -3).description, "hours_per_week": 30, "handledare_name": "Karin Berg",
            "handledare_contact": "karin@example.se", "keeps_seeking": true, "end_date": today.adding(days: 180).description,
        ])
        #expect(placedSecond.status == 201, "\(placedSecond.text)")
        let secondPlacement = try #require(placedSecond.json["id"] as? String)
        #expect(try await api.get("/v1/offers/\(job)").json["status"] as? String == "filled")
        let shrunk = try await api.send("PUT", "/v1/offers/\(job)", json: offerBody(["type": "nystartsjobb", "monthly_wage": 24_000, "positions": 1]))
        #expect(shrunk.status == 409 && shrunk.fieldErrors == ["/positions placements"], "\(shrunk.text)")
        let history = try await api.get("/v1/offers/\(job)/history").items.last ?? [:]
        #expect(history["to_status"] as? String == "filled" && history["note"] as? String == "placement", "\(history)")
        let third = try #require(try await api.get("/v1/suggestions?offer=\(job)&participant=\(participants[2])").items.first)
        #expect(third["state"] as? String == "withdrawn" && third["state_reason"] as? String == "offer_filled", "\(third)")
        let stays = try #require(try await api.get("/v1/suggestions?offer=\(training)&participant=\(participants[1])").items.first)
        #expect(stays["state"] as? String != "withdrawn", "\(stays)")
        #expect((try await api.get("/v1/employers/\(employer)").json["placements"] as? [String: Any])?["active"] as? Int == 2)
        let listed = try await api.get("/v1/placements?offer=\(job)&active=true").items.compactMap { $0["id"] as? String }
        #expect(Set(listed) == [placement, secondPlacement])
        let page = try await api.get("/v1/placements?limit=1")
        let cursor = try #require(page.json["next_cursor"] as? String)
        let next = try await api.get("/v1/placements?limit=1&cursor=\(cursor)")
        #expect((page.items + next.items).compactMap { $0["id"] as? String } == [placement, secondPlacement])
        #expect(next.json["next_cursor"] is NSNull)
        #expect(try await waitUntil(timeout: .seconds(30), idle))
        #expect(try Self.verify(running, "Placering").contains("missing: 0  extra: 0"))

        // Contacts: one recorded goes well and the next is planned; one at risk is told at once.
        let contact = try #require(checkIns.first?["id"] as? String)
        let recorded = try await api.post("/v1/placements/\(placement)/check-ins/\(contact)", [
            "done_on": today.description, "with_whom": "both", "status": "going_well", "note": "Förberett inför start",
        ])
        #expect(recorded.status == 200 && recorded.json["state"] as? String == "done", "\(recorded.text)")
        let again = try await api.post("/v1/placements/\(placement)/check-ins/\(contact)", [
            "done_on": today.description, "with_whom": "both", "status": "going_well",
        ])
        #expect(again.status == 409 && again.fieldErrors == ["/state pending"], "\(again.text)")
        let planned = try await api.get("/v1/placements/\(placement)/check-ins").items
        #expect(planned.filter { $0["state"] as? String == "pending" }.map { $0["kind"] as? String } == ["after_start", "weekly"])
        let secondContacts = try await api.get("/v1/placements/\(secondPlacement)/check-ins").items
        let atRisk = try #require(secondContacts.first?["id"] as? String)
        #expect(try await api.post("/v1/placements/\(secondPlacement)/check-ins/\(atRisk)", [
            "done_on": today.description, "with_whom": "participant", "status": "at_risk",
        ]).status == 200)
        var events: [StoredEvent]
        (events, last) = try await StoredEvent.since(last, forbundID: forbundID, on: connection)
        // The second placement started three days ago: its contact due today is raised at once.
        #expect(events.filter { $0.type.hasPrefix("placement.") || $0.type.hasPrefix("check_in.") }.map(\.type)
                == ["placement.started", "placement.started", "check_in.due", "check_in.at_risk"], "\(events)")
        #expect(events.filter { $0.type.hasPrefix("placement.") }.allSatisfy { $0.recipients == [people.kim] })

        // The daemon's own job (enqueued as the schedule does, on today's date) finds nothing more
        // to raise today: the contact due today was raised when it was planned.
        _ = try ProcessRunner.run(BuiltProducts.url("matchctl").path, ["jobs", "enqueue", "--kind", "follow_along.raise",
                                                                       "--database-url", running.conninfo], asServerUser: false)
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await connection.query("""
                SELECT count(*) AS n FROM jobs WHERE kind = 'follow_along.raise' AND state = 'completed'
                """)[0].decode(Int.self, "n") == 1
        }, "\(running.daemon.log)")
        #expect(running.daemon.log.contains("follow-along raised"), "\(running.daemon.log)")

        // The daily job on an injected day: due, then overdue, each raised once.
        let pool = PostgresPool(configuration: .init(conninfo: running.conninfo, maxConnections: 2))
        defer { Task { await pool.close() } }
        let worker = FollowAlongWorker(pool: pool, plan: FollowAlongPlan())
        let afterStart = start.adding(days: 3)
        let due = try await worker.run(today: afterStart)
        #expect(try await worker.run(today: afterStart) == FollowAlongStore.Raised(), "raised once")
        let overdue = try await worker.run(today: afterStart.adding(days: 3))
        #expect(try await worker.run(today: afterStart.adding(days: 3)) == FollowAlongStore.Raised(), "raised once")
        (events, last) = try await StoredEvent.since(last, forbundID: forbundID, on: connection)
        let firstEvents = events.filter { $0.type.hasPrefix("check_in.") && $0.participant == UUID(uuidString: participants[0]) }
        #expect(firstEvents.map(\.type) == ["check_in.due", "check_in.overdue"], "\(events)")
        #expect(due.due >= 1 && overdue.overdue >= 1, "\(due) \(overdue)")
        // Falling due planned the next ones: two are again ahead of that day.
        let ahead = try await api.get("/v1/placements/\(placement)/check-ins").items.filter {
            $0["state"] as? String == "pending" && ($0["due_on"] as? String ?? "") > afterStart.adding(days: 3).description
        }
        #expect(ahead.count == 2, "\(ahead)")

        // The first placement starts in ten days: it may fall through before it starts, but not
        // end before the day it was recorded.
        let tooEarly = try await api.post("/v1/placements/\(placement)/end", ["ended_on": today.adding(days: -1).description,
                                                                               "outcome": "dropped_out"])
        #expect(tooEarly.status == 422 && tooEarly.fieldErrors == ["/ended_on after_start"], "\(tooEarly.text)")
        // The second ends early, before its planned end: its position is free (the offer stays
        // filled until a coordinator opens it), a contact is planned within three days, the
        // outcome is kept, and the participant seeks again.
        let endSecond = try await api.post("/v1/placements/\(secondPlacement)/end", [
            "ended_on": today.description, "outcome": "dropped_out", "end_note": "Slutade efter samtal", "resume_seeking": true,
        ])
        #expect(endSecond.status == 200 && endSecond.json["active"] as? Bool == false, "\(endSecond.text)")
        #expect(try await api.post("/v1/placements/\(secondPlacement)/end", ["ended_on": today.description, "outcome": "other"]).fieldErrors
                == ["/ended_on ended"])
        // The follow-along goes on after the end, with one contact more.
        let pending = try await api.get("/v1/placements/\(secondPlacement)/check-ins").items.filter { $0["state"] as? String == "pending" }
        #expect(pending.filter { $0["kind"] as? String == "early_end" }.map { $0["due_on"] as? String } == [today.adding(days: 3).description],
                "\(pending)")
        #expect(pending.contains { ["weekly", "monthly"].contains($0["kind"] as? String ?? "") }, "the plan goes on: \(pending)")
        #expect(try await api.get("/v1/offers/\(job)").json["status"] as? String == "filled")
        // A coordinator may open it again now that a position is free (not before: see the race tests).
        let reopened = try await api.post("/v1/offers/\(job)/status", ["status": "open", "note": "en plats ledig"])
        #expect(reopened.status == 200, "\(reopened.text)")
        let relation = try #require(try await api.get("/v1/employers/\(employer)").json["placements"] as? [String: Any])
        #expect(relation["active"] as? Int == 1 && (relation["ended"] as? [String: Int])?["dropped_out"] == 1, "\(relation)")
        let snapshot = try await MatchingSnapshot().offers(forbundID: forbundID, only: UUID(uuidString: job)!, on: connection)
        #expect(snapshot.first?.positionsLeft == 1, "the ended placement's position is free")
        (events, last) = try await StoredEvent.since(last, forbundID: forbundID, on: connection)
        #expect(events.map(\.type).contains("placement.ended"), "\(events)")
        #expect(try await waitUntil(timeout: .seconds(30), idle))
        #expect(try Self.verify(running, "Placering").contains("missing: 0  extra: 0"))

        // The anonymous statistics keep the outcome after the participant is erased.
        _ = try ProcessRunner.run(BuiltProducts.url("matchctl").path, ["participants", "erase", refs[1], "--forbund", "Placering",
                                                                       "--reason", "begäran om radering", "--database-url", running.conninfo],
                                  asServerUser: false)
        #expect(try await api.get("/v1/placements/\(secondPlacement)").status == 404)
        let statistics = try await connection.query("""
            SELECT placement_type, outcome, days_lasted, gender FROM placement_statistics WHERE forbund_id = \(forbundID) ORDER BY outcome NULLS LAST
            """)
        #expect(statistics.count == 2)
        #expect(try statistics[0].decode(String?.self, "outcome") == "dropped_out")
        #expect(try statistics[0].decode(Int?.self, "days_lasted") == 3)
        #expect(try statistics[0].decode(String.self, "gender") == "kvinna")
        #expect(try await connection.query("SELECT count(*) AS n FROM check_ins WHERE forbund_id = \(forbundID) AND placement_id = \(UUID(uuidString: secondPlacement)!)")[0]
            .decode(Int.self, "n") == 0, "check-ins and their notes go with the erased participant")
    }
}
