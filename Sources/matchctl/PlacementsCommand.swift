import ArgumentParser
import Foundation
import MatchCore

/// `matchctl placements list|show|end`: a förbund's placements from the command line, for
/// operators helping it. A placement speaks of a participant, so every read is audited as a read
/// of that participant and the end as a placement write, as `matchctl:<os user>` with the
/// `--reason` given, as the API audits a coordinator.
struct PlacementsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "placements", abstract: "Read and end a förbund's placements.",
        subcommands: [List.self, Show.self, End.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Placements, oldest first.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Option(help: "Only this participant's (their id).") var participant: String?
        @Option(help: "Only this employer's (its id).") var employer: String?
        @Option(help: "Only this offer's (its id).") var offer: String?
        @Option(help: "Only active (true) or ended (false) ones.") var active: Bool?
        @Option(help: "At most this many.") var limit = 50
        @Option(help: "Start after this cursor (the `next:` line of the page before).") var cursor: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let cursor, PageCursor(encoded: cursor) == nil { throw ValidationError("--cursor must be one a page printed") }
            for (name, value) in [("participant", participant), ("employer", employer), ("offer", offer)] {
                if let value, UUID(uuidString: value) == nil { throw ValidationError("--\(name) must be an id") }
            }
            if !(1...PageRequest.maxLimit).contains(limit) { throw ValidationError("--limit must be 1 to \(PageRequest.maxLimit)") }
        }

        func run() async throws {
            let filter = PlacementStore.Filter(participantID: participant.flatMap(UUID.init(uuidString:)),
                                               employerID: employer.flatMap(UUID.init(uuidString:)),
                                               offerID: offer.flatMap(UUID.init(uuidString:)), active: active)
            let page = try await database.withConnection { connection in
                let forbund = try await requireForbund(person.forbund, on: connection)
                return try await connection.withTransaction { tx in
                    var request = PageRequest(limit: limit)
                    request.after = cursor.flatMap(PageCursor.init(encoded:))
                    let page = try await PlacementStore().list(forbundID: forbund.id, filter: filter, page: request, on: tx.connection)
                    try await AuditLog().recordReads(of: Set(page.items.map(\.participantID)), forbundID: forbund.id, context: person.audit,
                                                     in: tx)
                    return page
                }
            }
            if json { return try Output.json(page.items) }
            Output.table(["ID", "ACTIVE", "START", "ENDED", "OUTCOME", "PARTICIPANT", "OFFER"], page.items.map {
                [$0.id.uuidString.lowercased(), $0.active ? "yes" : "no", $0.startDate.description, $0.endedOn?.description ?? "-",
                 $0.outcome?.rawValue ?? "-", $0.participantID.uuidString.lowercased(), $0.offerID.uuidString.lowercased()]
            })
            if let next = page.nextCursor { print("next: --cursor \(next)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One placement with its check-ins, as JSON.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Argument(help: "The placement's id.") var id: String

        struct Shown: Encodable {
            var placement: Placement
            var checkIns: [CheckIn]

            enum CodingKeys: String, CodingKey {
                case placement, checkIns = "check_ins"
            }
        }

        func run() async throws {
            let placementID = try PlacementsCommand.id(id)
            let shown = try await database.withConnection { connection in
                let forbund = try await requireForbund(person.forbund, on: connection)
                return try await connection.withTransaction { tx -> Shown? in
                    guard let found = try await PlacementStore().get(forbundID: forbund.id, id: placementID, on: tx.connection) else {
                        return nil
                    }
                    try await AuditLog().recordReads(of: [found.participantID], forbundID: forbund.id, context: person.audit, in: tx)
                    return Shown(placement: found,
                                 checkIns: try await FollowAlongStore().list(forbundID: forbund.id, placementID: placementID,
                                                                             on: tx.connection) ?? [])
                }
            }
            guard let shown else { throw CommandFailure("no placement \(id) in \(person.forbund)") }
            try Output.json(shown)
        }
    }

    struct End: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End an active placement with its outcome (an early end plans one follow-along contact).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Argument(help: "The placement's id.") var id: String
        @Option(help: "How it ended: \(PlacementOutcome.allCases.map(\.rawValue).joined(separator: ", ")).") var outcome: String
        @Option(name: .customLong("ended-on"), help: "The last day, YYYY-MM-DD (not after today).") var endedOn: String
        @Option(help: "A note on the end.") var note: String?
        @Flag(name: .customLong("resume-seeking"), help: "The participant seeks work again from now on.") var resumeSeeking = false
        @Option(name: .customLong("if-version"), help: "Refuse unless the placement's version is still this.") var ifVersion: Int?

        func validate() throws {
            if PlacementOutcome(rawValue: outcome) == nil { throw ValidationError("--outcome: no such outcome \(outcome)") }
            if CalendarDate(iso: endedOn) == nil { throw ValidationError("--ended-on must be a date, YYYY-MM-DD") }
        }

        func run() async throws {
            let placementID = try PlacementsCommand.id(id)
            let today = CalendarDate.inSweden()
            let note = note.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
            let ifVersion = ifVersion
            let audit = person.audit
            do {
                let input = try PlacementEndInput(endedOn: endedOn, outcome: outcome, endNote: note, resumeSeeking: resumeSeeking)
                    .validated(today: today)
                let store = PlacementStore(plan: try database.loadConfiguration().followAlong.plan)
                let ended = try await database.withPool { pool in
                    let forbund = try await pool.withConnection { try await requireForbund(person.forbund, on: $0) }
                    return try await pool.withRetriedTransaction { tx in
                        try await store.end(forbundID: forbund.id, id: placementID, input, ifVersion: ifVersion, today: today, by: audit, in: tx)
                    }
                }
                print("placement \(ended.id.uuidString.lowercased()) ended (\(ended.outcome?.rawValue ?? outcome)) (version \(ended.version))")
            } catch let error as StoreError {
                switch error {
                case .notFound: throw CommandFailure("no placement \(id) in \(person.forbund)")
                case .versionMismatch(let current): throw CommandFailure("the placement has changed: its version is now \(current)")
                case .conflict(let errors): throw CommandFailure(errors.description)
                }
            } catch let errors as FieldErrors {
                throw CommandFailure(errors.description)
            }
        }
    }

    static func id(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw CommandFailure("\(text) is not a placement id") }
        return id
    }
}
