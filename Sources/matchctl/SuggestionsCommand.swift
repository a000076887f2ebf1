import ArgumentParser
import Foundation
import MatchCore

/// `matchctl suggestions list|show|approve|reject|present`: the review workflow from the command
/// line, for operators helping a förbund. Every read and write is audited as `matchctl:<os user>`
/// with the `--reason` given, as the API audits a coordinator.
struct SuggestionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggestions", abstract: "Read and review a förbund's suggestions.",
        subcommands: [List.self, Show.self, Approve.self, Reject.self, Present.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suggestions, best first.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Option(help: "Only this state (\(SuggestionState.allCases.map(\.rawValue).joined(separator: ", "))).") var state: String?
        @Option(help: "Only this offer's (its id).") var offer: String?
        @Option(help: "At most this many.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let state, SuggestionState(rawValue: state) == nil { throw ValidationError("--state: no such state \(state)") }
            if let offer, UUID(uuidString: offer) == nil { throw ValidationError("--offer must be an offer id") }
            if !(1...PageRequest.maxLimit).contains(limit) { throw ValidationError("--limit must be 1 to \(PageRequest.maxLimit)") }
        }

        func run() async throws {
            let page = try await database.withConnection { connection in
                let forbund = try await requireForbund(person.forbund, on: connection)
                return try await connection.withTransaction { tx in
                    let filter = SuggestionStore.Filter(state: state, offerID: offer.flatMap(UUID.init(uuidString:)))
                    let page = try await SuggestionStore().list(forbundID: forbund.id, filter: filter, page: PageRequest(limit: limit),
                                                                on: tx.connection)
                    try await AuditLog().recordReads(of: Set(page.items.map(\.participantID)), forbundID: forbund.id, context: person.audit,
                                                     in: tx)
                    return page
                }
            }
            if json { return try Output.json(page.items) }
            Output.table(["ID", "STATE", "SCORE", "PARTICIPANT", "OFFER"], page.items.map {
                [$0.id.uuidString.lowercased(), $0.state, String(format: "%.3f", $0.score), $0.participantID.uuidString.lowercased(),
                 $0.offerID.uuidString.lowercased()]
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One suggestion with its history, as JSON.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Argument(help: "The suggestion's id.") var id: String

        struct Shown: Encodable {
            var suggestion: SuggestionStore.Stored
            var history: [SuggestionReview.HistoryEntry]
        }

        func run() async throws {
            let suggestionID = try SuggestionsCommand.id(id)
            let shown = try await database.withConnection { connection in
                let forbund = try await requireForbund(person.forbund, on: connection)
                return try await connection.withTransaction { tx -> Shown? in
                    guard let found = try await SuggestionStore().get(forbundID: forbund.id, id: suggestionID, on: tx.connection) else {
                        return nil
                    }
                    try await AuditLog().recordReads(of: [found.participantID], forbundID: forbund.id, context: person.audit, in: tx)
                    return Shown(suggestion: found,
                                 history: try await SuggestionReview().history(forbundID: forbund.id, id: suggestionID, on: tx.connection) ?? [])
                }
            }
            guard let shown else { throw CommandFailure("no suggestion \(id) in \(person.forbund)") }
            try Output.json(shown)
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a proposed suggestion.")
        @OptionGroup var review: ReviewOptions

        func run() async throws {
            try await review.act { tx, forbund, id in
                try await SuggestionReview().approve(forbundID: forbund, id: id, ifVersion: review.ifVersion, note: review.cleanNote,
                                                     by: review.person.audit, in: tx)
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a suggestion with a reason code.")
        @OptionGroup var review: ReviewOptions
        @Option(help: "Why: \(RejectionReason.allCases.map(\.rawValue).joined(separator: ", ")).") var code: String

        func validate() throws {
            if RejectionReason(rawValue: code) == nil { throw ValidationError("--code: no such rejection reason \(code)") }
        }

        func run() async throws {
            let reason = RejectionReason(rawValue: code) ?? .other
            try await review.act { tx, forbund, id in
                try await SuggestionReview().reject(forbundID: forbund, id: id, ifVersion: review.ifVersion, reason: reason, note: review.cleanNote,
                                                    by: review.person.audit, in: tx)
            }
        }
    }

    struct Present: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Present an approved candidate to the employer (needs the disclosure consent).")
        @OptionGroup var review: ReviewOptions
        @Option(name: .customLong("disclose"), help: "A support code to disclose (repeatable).") var disclose: [String] = []

        func run() async throws {
            try await review.act { tx, forbund, id in
                try await SuggestionReview().present(forbundID: forbund, id: id, ifVersion: review.ifVersion, disclosedSupports: disclose,
                                                     note: review.cleanNote, presenter: nil, today: .inSweden(), by: review.person.audit, in: tx)
            }
        }
    }

    static func id(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw CommandFailure("\(text) is not a suggestion id") }
        return id
    }
}

/// What every review command takes, and how it runs: one transaction, the store's refusals as
/// clear messages, the new state printed.
struct ReviewOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var person: PersonalDataOptions
    @Argument(help: "The suggestion's id.") var id: String
    @Option(help: "A note for the suggestion's history.") var note: String?
    @Option(name: .customLong("if-version"), help: "Refuse unless the suggestion's version is still this.") var ifVersion: Int?

    /// The note trimmed; nil when absent or empty.
    var cleanNote: String? {
        note.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    func act(_ action: @escaping @Sendable (PostgresTransaction, UUID, UUID) async throws -> SuggestionStore.Stored) async throws {
        let suggestionID = try SuggestionsCommand.id(id)
        if let cleanNote, cleanNote.count > 2_000 { throw CommandFailure("--note must be at most 2000 characters") }
        do {
            let stored = try await database.withPool { pool in
                let forbund = try await pool.withConnection { try await requireForbund(person.forbund, on: $0) }
                return try await pool.withRetriedTransaction { try await action($0, forbund.id, suggestionID) }
            }
            print("suggestion \(stored.id.uuidString.lowercased()) is \(stored.state) (version \(stored.version))")
        } catch let error as StoreError {
            switch error {
            case .notFound: throw CommandFailure("no suggestion \(id) in \(person.forbund)")
            case .versionMismatch(let current): throw CommandFailure("the suggestion has changed: its version is now \(current)")
            case .conflict(let errors): throw CommandFailure(errors.description)
            }
        } catch let errors as FieldErrors {
            throw CommandFailure(errors.description)
        }
    }
}
