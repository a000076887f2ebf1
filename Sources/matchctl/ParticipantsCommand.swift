import ArgumentParser
import Foundation
import MatchCore

/// `matchctl participants export|erase`: the data subject's rights of access and erasure.
struct ParticipantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "participants", abstract: "Right of access and erasure for one participant.",
        subcommands: [Export.self, Erase.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print everything stored about one participant, as JSON.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Argument(help: "The participant's case reference.") var reference: String

        func run() async throws {
            let export = try await database.withConnection { connection in
                let forbund = try await requireForbund(person.forbund, on: connection)
                return try await connection.withTransaction {
                    try await ParticipantPrivacy().export(forbundID: forbund.id, caseReference: reference, by: person.audit, in: $0)
                }
            }
            guard let export else { throw CommandFailure("no participant \(reference) in \(person.forbund)") }
            try Output.json(export)
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove one participant's data everywhere; only anonymous statistics and the audit log's ids remain.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Argument(help: "The participant's case reference.") var reference: String

        func run() async throws {
            let erased = try await database.withConnection { connection in
                let forbund = try await requireForbund(person.forbund, on: connection)
                return try await connection.withTransaction {
                    try await ParticipantPrivacy().erase(forbundID: forbund.id, caseReference: reference, by: person.audit, in: $0)
                }
            }
            guard let erased else { throw CommandFailure("no participant \(reference) in \(person.forbund)") }
            print("erased participant \(erased.uuidString.lowercased())")
        }
    }
}
