import Foundation
import Testing
@testable import MatchCore

@Suite("matchctl placements and follow-along: placements from the command line")
struct PlacementsCommandTests {
    func matchctl(_ arguments: [String], _ conninfo: String) throws -> String {
        try ProcessRunner.run(BuiltProducts.url("matchctl").path, arguments + ["--database-url", conninfo], asServerUser: false)
    }

    /// The JSON array a `--json` command printed.
    func jsonArray(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "\(text)")
    }

    @Test func listPagesWithTheCursorItPrints() async throws {
        let server = try await SharedAPIServer.shared.start()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let other = try #require(try await tenant.coordinator.post("/v1/employers/\(bench.employerID)/offers", offerBody(["status": "open"]))
            .json["id"] as? String)
        var placements: [String] = []
        for offer in [bench.offer, other] {
            let (suggestion, _) = try await bench.seed(.employerInterested, offer: offer)
            let created = try await tenant.coordinator.post("/v1/suggestions/\(suggestion)/placement", [
                "start_date": CalendarDate.inSweden().description, "hours_per_week": 20, "handledare_name": "Karin",
                "handledare_contact": "013-200000",
            ])
            placements.append(try #require(created.json["id"] as? String, "\(created.text)"))
        }
        let scope = ["--forbund", tenant.forbund.name, "--reason", "stöd till koordinatorn", "--limit", "1"]
        let first = try matchctl(["placements", "list"] + scope, server.conninfo)
        let cursor = try #require(first.split(separator: "\n").last { $0.hasPrefix("next: --cursor ") }?.dropFirst("next: --cursor ".count),
                                  "\(first)")
        let second = try matchctl(["placements", "list", "--cursor", String(cursor)] + scope, server.conninfo)
        #expect(first.contains(placements[0]) && !first.contains(placements[1]), "\(first)")
        #expect(second.contains(placements[1]) && !second.contains(placements[0]) && !second.contains("next:"), "\(second)")
        #expect((try? matchctl(["placements", "list", "--cursor", "not a cursor"] + scope, server.conninfo)) == nil)
    }

    @Test func listShowEndAndFollowAlongDueAreAuditedWithTheReasonGiven() async throws {
        let server = try await SharedAPIServer.shared.start()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let (suggestion, participant) = try await bench.seed(.employerInterested)
        let today = CalendarDate.inSweden()
        let created = try await tenant.coordinator.post("/v1/suggestions/\(suggestion)/placement", [
            "start_date": today.adding(days: -10).description, "hours_per_week": 20, "handledare_name": "Karin",
            "handledare_contact": "013-200000", "supports_applied_for": [] as [String],
        ])
        #expect(created.status == 201, "\(created.text)")
        let placement = try #require(created.json["id"] as? String, "\(created.text)")
        let reason = "stöd till koordinatorn"
        let scope = ["--forbund", tenant.forbund.name, "--reason", reason]

        #expect((try? matchctl(["placements", "list", "--forbund", tenant.forbund.name], server.conninfo)) == nil, "--reason is required")
        let listed = try matchctl(["placements", "list", "--participant", participant] + scope, server.conninfo)
        #expect(listed.contains(placement) && listed.contains("PARTICIPANT") && !listed.contains("Karin"), "\(listed)")
        let active = try jsonArray(try matchctl(["placements", "list", "--active", "true", "--json"] + scope, server.conninfo))
        #expect(active.map { $0["id"] as? String } == [placement])
        let ended = try jsonArray(try matchctl(["placements", "list", "--active", "false", "--json"] + scope, server.conninfo))
        #expect(ended.isEmpty, "\(ended)")

        let shown = try #require(try JSONSerialization.jsonObject(
            with: Data(try matchctl(["placements", "show", placement] + scope, server.conninfo).utf8)) as? [String: Any])
        #expect((shown["placement"] as? [String: Any])?["id"] as? String == placement)
        let checkIns = try #require(shown["check_ins"] as? [[String: Any]], "\(shown)")
        #expect(!checkIns.isEmpty && checkIns.allSatisfy { $0["placement_id"] as? String == placement }, "\(checkIns)")
        #expect((try? matchctl(["placements", "show", UUID().uuidString] + scope, server.conninfo)) == nil, "an unknown placement")

        let ahead = today.adding(days: 40).description
        let dueArguments = ["follow-along", "due", "--forbund", tenant.forbund.name, "--json", "--at", ahead]
        let dueBefore = try jsonArray(try matchctl(dueArguments, server.conninfo))
        let pendingIDs = checkIns.filter { $0["state"] as? String == "pending" && ($0["due_on"] as? String ?? "") <= ahead }.compactMap { $0["id"] as? String }
        #expect(!pendingIDs.isEmpty && dueBefore.compactMap { $0["check_in_id"] as? String }.sorted() == pendingIDs.sorted(), "\(dueBefore)")
        #expect(dueBefore.allSatisfy { $0["placement_id"] as? String == placement && $0["days_late"] is Int }, "\(dueBefore)")
        let dueTable = try matchctl(["follow-along", "due", "--forbund", tenant.forbund.name, "--at", ahead], server.conninfo)
        #expect(dueTable.contains("DAYS LATE") && dueTable.contains(placement) && !dueTable.contains("Karin"), "\(dueTable)")

        #expect(throws: (any Error).self, "an end in the future is refused") {
            try matchctl(["placements", "end", placement, "--outcome", "dropped_out", "--ended-on", today.adding(days: 1).description] + scope,
                         server.conninfo)
        }
        let end = try matchctl(["placements", "end", placement, "--outcome", "dropped_out", "--ended-on", today.description,
                                "--note", "slutade", "--if-version", "1"] + scope, server.conninfo)
        #expect(end.contains("placement \(placement) ended (dropped_out) (version 2)"), "\(end)")
        #expect(throws: (any Error).self, "ending twice is refused") {
            try matchctl(["placements", "end", placement, "--outcome", "dropped_out", "--ended-on", today.description] + scope, server.conninfo)
        }
        #expect(try jsonArray(try matchctl(["placements", "list", "--active", "false", "--json"] + scope, server.conninfo))
            .map { $0["id"] as? String } == [placement])

        // The end adds a contact within three days; the plan's own contacts go on.
        let dueAfter = try jsonArray(try matchctl(dueArguments, server.conninfo))
        let early = try #require(dueAfter.first { $0["kind"] as? String == "early_end" }, "\(dueAfter)")
        #expect(dueAfter.count == dueBefore.count + 1, "\(dueAfter)")
        let earlyDue = try #require(CalendarDate(iso: early["due_on"] as? String ?? ""))
        #expect(earlyDue >= today && earlyDue <= today.adding(days: 3))
        #expect(early["overdue"] as? Bool == true && early["days_late"] as? Int == today.adding(days: 40).days(since: earlyDue))

        let audited = try await tenant.connection.query("""
            SELECT count(*) FILTER (WHERE entity = 'placement' AND action = 'update' AND reason = \(reason)) AS ends,
                   count(*) FILTER (WHERE entity = 'participant' AND action = 'read' AND reason = \(reason)) AS reads,
                   count(*) FILTER (WHERE entity = 'check_in' AND action = 'bulk_read' AND reason = 'follow-along due') AS due
            FROM audit_log WHERE forbund_id = \(tenant.forbund.id) AND actor LIKE 'matchctl:%'
            """)[0]
        #expect(try audited.decode(Int.self, "ends") == 1)
        #expect(try audited.decode(Int.self, "reads") >= 4)
        #expect(try audited.decode(Int.self, "due") == 3)
    }
}
