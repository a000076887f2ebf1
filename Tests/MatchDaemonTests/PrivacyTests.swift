import Foundation
import Testing
@testable import MatchCore

@Suite("Right of access and erasure, and no personal data in logs")
struct PrivacyTests {
    /// Runs matchctl against the shared server's database.
    func matchctl(_ arguments: [String], _ conninfo: String) throws -> String {
        try ProcessRunner.run(BuiltProducts.url("matchctl").path, arguments + ["--database-url", conninfo], asServerUser: false)
    }

    /// Every text, jsonb and array column of every table that holds `value`, as `table.column`.
    func placesHolding(_ value: String, _ connection: PostgresConnection) async throws -> [String] {
        let columns = try await connection.query("""
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb', 'json', 'ARRAY', 'character varying')
            ORDER BY table_name, column_name
            """)
        var found: [String] = []
        for row in columns {
            let table = try row.decode(String.self, "table_name")
            let column = try row.decode(String.self, "column_name")
            let hits = try await connection.query("""
                SELECT count(*) AS n FROM \(identifier: table) WHERE \(identifier: column)::text ILIKE \("%" + value + "%")
                """)[0].decode(Int.self, "n")
            if hits > 0 { found.append("\(table).\(column)") }
        }
        return found
    }

    @Test func exportShowsEverythingAndEraseLeavesNothingPersonal() async throws {
        let server = try await SharedAPIServer.shared.start()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let marker = String(UUID().uuidString.prefix(8)).lowercased()
        let personal = ["REF-\(marker)", "Zlatana Qvist \(marker)", "fågelskådning \(marker)", "kakelsättning \(marker)",
                        "körledare i kyrkan \(marker)"]
        let created = try await tenant.coordinator.post("/v1/participants", participantBody([
            "case_reference": personal[0], "name": personal[1], "interests": personal[2], "skills": [personal[3]],
            "informal_competence": [["source": "voluntary_work", "description": personal[4]]], "gender": "annan",
        ]))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(try await tenant.coordinator.post("/v1/participants/\(id)/consents", ["purpose": "matching", "given_on": "2026-02-01"])
            .status == 201)
        #expect(try await tenant.coordinator.get("/v1/participants/\(id)").status == 200)

        let forbund = tenant.forbund.name
        let refused = try? matchctl(["participants", "export", "--forbund", forbund, personal[0]], server.conninfo)
        #expect(refused == nil, "a command that touches a person's data needs --reason")
        let export = try matchctl(["participants", "export", "--forbund", forbund, "--reason", "begäran om registerutdrag",
                                   personal[0]], server.conninfo)
        for value in personal { #expect(export.contains(value), "the export holds \(value)") }
        #expect(export.contains("matching"))
        #expect(export.contains("\"access_log\""))

        let erased = try matchctl(["participants", "erase", "--forbund", forbund, "--reason", "begäran om radering", personal[0]],
                                  server.conninfo)
        #expect(erased.contains(id))
        for value in personal + [id] where value != id {
            #expect(try await placesHolding(value, tenant.connection) == [], "\(value) remains")
        }
        let leftovers = try await placesHolding(id, tenant.connection)
        #expect(leftovers == ["audit_log.entity_id"], "only the audit log keeps the id")
        let statistics = try await tenant.connection.query("""
            SELECT gender, erased FROM participant_statistics WHERE forbund_id = \(tenant.forbund.id)
            """)
        #expect(statistics.count == 1)
        #expect(try statistics[0].decode(String.self, "gender") == "annan")
        #expect(try statistics[0].decode(Bool.self, "erased"))
        let actions = try await tenant.connection.query("""
            SELECT action, actor, reason FROM audit_log WHERE forbund_id = \(tenant.forbund.id) AND entity_id = \(id) ORDER BY id
            """)
        #expect(try actions.map { try $0.decode(String.self, "action") } == ["create", "update", "read", "export", "erase"])
        #expect(try actions.last?.decode(String.self, "actor").hasPrefix("matchctl:") == true)
        #expect(try actions.last?.decode(String?.self, "reason") == "begäran om radering")
        #expect(try await tenant.coordinator.get("/v1/participants/\(id)").status == 404)

        // Nothing the API was sent about the person reached the daemon's log.
        let log = server.daemon.log
        #expect(!log.isEmpty)
        for value in personal { #expect(!log.contains(value), "the log holds \(value)") }
    }

    /// After the review flow has written notes, history, disclosures and events about a person,
    /// the export shows them and erasure leaves nothing of them in any text, jsonb or array column.
    @Test func reviewNotesHistoryAndEventsAreExportedAndErased() async throws {
        let server = try await SharedAPIServer.shared.start()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let marker = String(UUID().uuidString.prefix(8)).lowercased()
        let reference = "REF-\(marker)"
        var notes = ["godkänd efter samtal \(marker)", "presenterad för chefen \(marker)", "arbetsgivaren undrar \(marker)",
                     "möte på plats \(marker)"]
        let (suggestion, participant) = try await bench.seed(.proposed, changes: ["case_reference": reference])
        let api = tenant.coordinator
        #expect(try await api.post("/v1/suggestions/\(suggestion)/approve", ["note": notes[0]]).status == 200)
        #expect(try await api.post("/v1/suggestions/\(suggestion)/present", ["disclosed_supports": [ReviewBench.applying.code],
                                                                             "note": notes[1]]).status == 200)
        #expect(try await bench.employer.get("/v1/candidates/\(suggestion)").status == 200)
        #expect(try await bench.employer.post("/v1/candidates/\(suggestion)/answer", ["interested": true, "note": notes[2]]).status == 200)
        #expect(try await api.post("/v1/suggestions/\(suggestion)/contacted", ["note": notes[3]]).status == 200)
        #expect(try await tenant.count("events") == 2)

        // The placement and its follow-along, with notes of their own.
        let followNotes = ["börjar på måndag \(marker)", "orolig för schemat \(marker)", "slutade i förtid \(marker)"]
        let today = CalendarDate.inSweden()
        let placed = try await api.post("/v1/suggestions/\(suggestion)/placement", [
            "start_date": today.adding(days: -5).description, "hours_per_week": 20, "handledare_name": "Karin \(marker)",
            "handledare_contact": "karin-\(marker)@example.se", "supports_applied_for": [] as [String], "note": followNotes[0],
        ])
        let placement = try #require(placed.json["id"] as? String, "\(placed.text)")
        let checkIn = try #require(try await api.get("/v1/placements/\(placement)/check-ins").items.first?["id"] as? String)
        #expect(try await api.post("/v1/placements/\(placement)/check-ins/\(checkIn)", [
            "done_on": today.description, "with_whom": "participant", "status": "at_risk", "note": followNotes[1],
        ]).status == 200)
        #expect(try await api.post("/v1/placements/\(placement)/end", ["ended_on": today.description, "outcome": "dropped_out",
                                                                       "end_note": followNotes[2]]).status == 200)
        #expect(try await tenant.count("events") == 5)
        notes += followNotes + ["Karin \(marker)", "karin-\(marker)@example.se"]

        let forbund = tenant.forbund.name
        let export = try matchctl(["participants", "export", "--forbund", forbund, "--reason", "begäran om registerutdrag", reference],
                                  server.conninfo)
        for note in notes { #expect(export.contains(note), "the export holds \(note)") }
        #expect(export.contains("candidate.presented") && export.contains("employer.answered"), "the export lists the events")
        #expect(export.contains("\"disclose\""), "the export lists the employer's reads")
        #expect(export.contains(placement) && export.contains(checkIn), "the export holds the placement and its check-ins")
        // The shared server dispatches events into inboxes: the coordinator's entries name the participant.
        let participantID = try #require(UUID(uuidString: participant))
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await tenant.connection.query("""
                SELECT count(*) AS n FROM inbox_entries WHERE forbund_id = \(tenant.forbund.id) AND participant_id = \(participantID)
                """)[0].decode(Int.self, "n") > 0
        })
        let exportAgain = try matchctl(["participants", "export", "--forbund", forbund, "--reason", "begäran om registerutdrag", reference],
                                       server.conninfo)
        #expect(exportAgain.contains("\"inbox_entries\":[{"), "the export lists the inbox entries naming the participant")
        #expect(export.contains("placement.started") && export.contains("check_in.at_risk"), "the export lists the follow-along's events")

        _ = try matchctl(["participants", "erase", "--forbund", forbund, "--reason", "begäran om radering", reference], server.conninfo)
        for value in notes + [reference] {
            #expect(try await placesHolding(value, tenant.connection) == [], "\(value) remains")
        }
        #expect(try await placesHolding(participant, tenant.connection) == ["audit_log.entity_id"], "only the audit log keeps the id")
        #expect(try await tenant.count("events") == 0)
        #expect(try await tenant.count("placements") == 0)
        #expect(try await tenant.connection.query("""
            SELECT count(*) AS n FROM inbox_entries WHERE forbund_id = \(tenant.forbund.id) AND participant_id = \(participantID)
            """)[0].decode(Int.self, "n") == 0, "erasure removes the inbox entries naming the participant")
        #expect(try await tenant.count("check_ins") == 0)
        let statistics = try await tenant.connection.query("""
            SELECT outcome, days_lasted FROM placement_statistics WHERE forbund_id = \(tenant.forbund.id)
            """)
        #expect(statistics.count == 1, "the anonymous statistics remain")
        #expect(try statistics.first?.decode(String?.self, "outcome") == "dropped_out")
        #expect(try statistics.first?.decode(Int?.self, "days_lasted") == 5)
        #expect(try await bench.employer.get("/v1/candidates").items.isEmpty)
        for note in notes { #expect(!server.daemon.log.contains(note), "the log holds \(note)") }
    }
}
