import ArgumentParser
import Foundation
import MatchCore

/// `matchctl supports load|list|check`: the catalog of financial supports.
struct SupportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supports", abstract: "The catalog of financial supports.", subcommands: [Load.self, List.self, Check.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a catalog file whole and load it in one transaction; --seed loads the shipped catalog.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "A catalog file (JSON).") var file: String?
        @Flag(help: "Load the seed catalog shipped in the binary.") var seed = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if (file == nil) == !seed { throw ValidationError("give a FILE or --seed") }
        }

        func run() async throws {
            let data: Data
            if let file {
                guard let contents = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
                data = contents
            } else {
                data = SeedSupportCatalog.data
            }
            do {
                let entries = try SupportCatalogParser.parseCatalog(data)
                let summary = try await database.withConnection { connection in
                    try await connection.withTransaction {
                        try await SupportCatalogStore().load(entries, loadedBy: OperatorIdentity.actor, in: $0)
                    }
                }
                if json { return try Output.json(summary) }
                print("loaded \(summary.added.count) new version(s), \(summary.unchanged.count) unchanged")
                for label in summary.added { print("  added \(label)") }
            } catch let failure as SupportCatalogParser.Failure {
                throw CommandFailure("the catalog was not loaded:\n" + failure.description)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every stored version.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        struct Row: Encodable {
            var code: String, version: Int, validFrom: String, validTo: String?, nameSv: String, agency: String, source: String
        }

        func run() async throws {
            let rows = try await database.withConnection { try await SupportCatalogStore().versions(on: $0) }.map {
                Row(code: $0.code, version: $0.version, validFrom: $0.definition.validFrom.description,
                    validTo: $0.definition.validTo?.description, nameSv: $0.definition.nameSv, agency: $0.definition.agency,
                    source: $0.definition.source)
            }
            if json { return try Output.json(rows) }
            Output.table(["CODE", "VERSION", "VALID FROM", "VALID TO", "NAME", "AGENCY"], rows.map {
                [$0.code, String($0.version), $0.validFrom, $0.validTo ?? "-", $0.nameSv, $0.agency]
            })
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Which supports a participant and an offer are eligible for.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Option(help: "The participant's case reference.") var participant: String
        @Option(help: "The offer's id.") var offer: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let offerID = UUID(uuidString: offer) else { throw ValidationError("--offer must be an offer id") }
            let report = try await database.withConnection { connection in
                let forbund = try await requireForbund(person.forbund, on: connection)
                return try await connection.withTransaction { tx in
                    guard let found = try await ParticipantStore().get(forbundID: forbund.id, caseReference: participant,
                                                                       by: person.audit, in: tx) else {
                        throw CommandFailure("no participant \(participant) in \(forbund.name)")
                    }
                    do {
                        return try await SupportCheck.run(forbundID: forbund.id, participantID: found.id, offerID: offerID,
                                                          by: person.audit, in: tx)
                    } catch StoreError.notFound {
                        throw CommandFailure("no offer \(offer) in \(forbund.name)")
                    }
                }
            }
            if json { return try Output.json(report) }
            for verdict in report.supports {
                if verdict.applies {
                    let amount = verdict.estimatedMonthlyAmount.map { "about \($0) kr/month" }
                        ?? verdict.yearlyMaximum.map { "up to \($0) kr/year" } ?? "no payment"
                    let months = verdict.maxDurationMonths.map { "\($0) months" } ?? "duration decided per case"
                    print("yes  \(verdict.code): \(amount), \(months)")
                } else {
                    print("no   \(verdict.code): \(verdict.failures.map(\.message).joined(separator: "; "))")
                }
            }
        }
    }
}
