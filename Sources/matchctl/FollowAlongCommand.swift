import ArgumentParser
import Foundation
import MatchCore

/// `matchctl follow-along due`: the check-ins coordinators owe, for operators watching that
/// follow-along keeps up. Ids and dates only, never a name or a note. It reads when participants'
/// placements are followed up, so each förbund listed gets one `bulk_read` entry in the audit log
/// as `matchctl:<os user>`.
struct FollowAlongCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow-along", abstract: "Watch the follow-along of placements.",
        subcommands: [Due.self])

    struct Due: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pending check-ins due on or before a day, oldest first (overdue per [follow_along] overdue_after_days).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this förbund's (its name); else every förbund's.") var forbund: String?
        @Option(help: "The day, YYYY-MM-DD; else today in Sweden.") var at: String?
        @Option(help: "Why you look (recorded in the audit log).") var reason = "follow-along due"
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let at, CalendarDate(iso: at) == nil { throw ValidationError("--at must be a date, YYYY-MM-DD") }
            if reason.trimmingCharacters(in: .whitespaces).count < 3 { throw ValidationError("--reason must say why (at least a few words)") }
        }

        func run() async throws {
            let day = at.flatMap(CalendarDate.init(iso:)) ?? .inSweden()
            let store = FollowAlongStore(plan: try database.loadConfiguration().followAlong.plan)
            let audit = AuditContext(actor: OperatorIdentity.actor, reason: reason, requestID: "matchctl-\(getpid())")
            let due = try await database.withConnection { connection in
                var forbundID: UUID?
                if let forbund { forbundID = try await requireForbund(forbund, on: connection).id }
                return try await connection.withTransaction { tx in
                    let due = try await store.due(forbundID: forbundID, on: day, on: tx.connection)
                    let listed = Set(due.map(\.forbundID)).sorted { $0.uuidString < $1.uuidString }
                    for id in listed {
                        try await AuditLog().record(.bulkRead, entity: "check_in", id: nil, forbundID: id, actor: audit.actor,
                                                    reason: audit.reason, requestID: audit.requestID, in: tx)
                    }
                    return due
                }
            }
            if json { return try Output.json(due) }
            Output.table(["FORBUND", "PLACEMENT", "CHECK-IN", "KIND", "DUE", "DAYS LATE", "OVERDUE"], due.map {
                [$0.forbundName, $0.placementID.uuidString.lowercased(), $0.checkInID.uuidString.lowercased(), $0.kind.rawValue,
                 $0.dueOn.description, String($0.daysLate), $0.overdue ? "yes" : "no"]
            })
        }
    }
}
