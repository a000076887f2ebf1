import ArgumentParser
import Foundation
import MatchCore

/// `matchctl match participant|offer|rebalance|verify`: run matching by hand, see why, and check it.
struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match", abstract: "Run matching by hand and explain it.", subcommands: [Participant.self, Offer.self, Rebalance.self, Verify.self])

    static var today: CalendarDate { CalendarDate.inSweden() }

    static func printRanked(_ pairs: [SuggestedPair], label: (SuggestedPair) -> String) {
        for (rank, pair) in pairs.enumerated() {
            print(String(format: "%2d. %.3f  %@", rank + 1, pair.score.total, label(pair)))
            for component in pair.score.components where component.contribution > 0 {
                print(String(format: "      +%.3f  %@", component.contribution, component.sentenceSv))
            }
            for support in pair.supports {
                let amount = support.estimatedMonthlyAmount.map { ", about \($0) kr/month" } ?? ""
                print("      stöd: \(support.nameSv)\(amount)")
            }
        }
    }

    struct Participant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One participant's ranked offers (not stored), or why one pair fails.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Argument(help: "The participant's case reference.") var reference: String
        @Option(help: "Explain this offer's result for the participant.") var explain: String?

        func run() async throws {
            let matcher = PairMatcher()
            try await database.withConnection { connection in
                let forbund = try await requireForbund(person.forbund, on: connection)
                try await connection.withTransaction { tx in
                    guard let found = try await ParticipantStore().get(forbundID: forbund.id, caseReference: reference, by: person.audit, in: tx),
                          let (participant, waiting) = try await MatchingSnapshot().participants(forbundID: forbund.id, only: found.id,
                                                                                                on: tx.connection).first
                    else { throw CommandFailure("no participant \(reference) in \(forbund.name)") }
                    let supports = try await SupportCatalogStore().definitions(on: tx.connection)
                    if let explain {
                        guard let id = UUID(uuidString: explain),
                              let offer = try await MatchingSnapshot().offers(forbundID: forbund.id, only: id, on: tx.connection).first
                        else { throw CommandFailure("no offer \(explain) in \(forbund.name)") }
                        switch matcher.evaluate(participant, offer, supports: supports, today: MatchCommand.today, waitingDays: waiting) {
                        case .success(let pair): MatchCommand.printRanked([pair]) { _ in offer.offer.fields.title }
                        case .failure(let miss):
                            print("not suggested:")
                            for failure in miss.failures { print("  \(failure.rawValue): \(failure.messageSv)") }
                        }
                        return
                    }
                    let offers = try await MatchingSnapshot().offers(forbundID: forbund.id, on: tx.connection)
                    let titles = Dictionary(offers.map { ($0.offer.id, $0.offer.fields.title) }, uniquingKeysWith: { a, _ in a })
                    let result = matcher.match(participant, offers: offers, supports: supports, today: MatchCommand.today,
                                               waitingDays: waiting)
                    MatchCommand.printRanked(result.suggestions) { "\(titles[$0.offerID] ?? "") (\($0.offerID.uuidString.lowercased()))" }
                    if result.suggestions.isEmpty {
                        print("no offer passes; nearest misses:")
                        for miss in result.nearMisses {
                            print("  \(titles[miss.offerID] ?? "") (\(miss.offerID.uuidString.lowercased())): "
                                  + miss.failures.map(\.rawValue).joined(separator: ", "))
                        }
                    }
                }
            }
        }
    }

    struct Offer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One offer's ranked participants (not stored), by id.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonalDataOptions
        @Argument(help: "The offer's id.") var id: String

        func run() async throws {
            guard let offerID = UUID(uuidString: id) else { throw ValidationError("the offer id must be a UUID") }
            try await database.withConnection { connection in
                let forbund = try await requireForbund(person.forbund, on: connection)
                try await connection.withTransaction { tx in
                    guard let offer = try await MatchingSnapshot().offers(forbundID: forbund.id, only: offerID, on: tx.connection).first else {
                        throw CommandFailure("no offer \(id) in \(forbund.name)")
                    }
                    let participants = try await MatchingSnapshot().participants(forbundID: forbund.id, on: tx.connection)
                    try await AuditLog().record(.bulkRead, entity: "participant", id: nil, forbundID: forbund.id,
                                                actor: person.audit.actor, reason: person.reason, requestID: person.audit.requestID, in: tx)
                    let references = Dictionary(participants.map { ($0.0.id, $0.0.fields.caseReference) }, uniquingKeysWith: { a, _ in a })
                    let ranked = PairMatcher().match(offer, participants: participants,
                                                     supports: try await SupportCatalogStore().definitions(on: tx.connection),
                                                     today: MatchCommand.today)
                    MatchCommand.printRanked(ranked.suggestions) { references[$0.participantID] ?? "" }
                }
            }
        }
    }

    struct Rebalance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Solve the market-wide assignment now and mark recommended suggestions.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this förbund (else every one).") var forbund: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let results = try await database.withConnection { connection in
                let all = try await TenancyStore().listForbund(on: connection)
                let chosen = try forbund.map { name in
                    guard let one = all.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                        throw CommandFailure("no förbund named \"\(name)\"")
                    }
                    return [one]
                } ?? all
                var results: [String: MarketRebalance.Summary] = [:]
                for one in chosen {
                    results[one.name] = try await connection.withTransaction { try await MarketRebalance().run(forbundID: one.id, in: $0) }
                }
                return results
            }
            if json { return try Output.json(results) }
            for (name, summary) in results.sorted(by: { $0.key < $1.key }) {
                print("\(name): \(summary.recommended) recommended of \(summary.suggestions) suggestions, total score "
                      + String(format: "%.3f", summary.totalScore))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute a förbund's suggestions from scratch and compare them with the stored ones.",
            discussion: """
                Reports pairs the matching rule proposes that are not stored (missing), stored pairs it does not \
                propose (extra), and stored scores that drifted since they were made (stale: waiting time, an \
                employer's record). Exits 1 when anything is missing or extra; stale scores alone exit 0. Prints ids only.
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The förbund's name.") var forbund: String
        @Option(help: "Verify as of this time (ISO 8601, e.g. 2026-12-01T08:00:00Z); default now.") var at: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var time = Date()
            if let at {
                guard let parsed = ISO8601DateFormatter().date(from: at) else {
                    throw ValidationError("--at must be an ISO 8601 time such as 2026-12-01T08:00:00Z")
                }
                time = parsed
            }
            let settings = try database.loadConfiguration()
            let matcher = settings.matching.matcher(evaluator: settings.supports.evaluator)
            let report = try await database.withPool { pool in
                let found = try await pool.withConnection { try await requireForbund(forbund, on: $0) }
                return try await MatchingVerifier(matcher: matcher).verify(forbundID: found.id, at: time, actor: OperatorIdentity.actor,
                                                                          reason: "matchctl match verify", pool: pool)
            }
            if json {
                try Output.json(report)
            } else {
                print("\(forbund): \(report.participants) seeking participants, \(report.offers) open offers, "
                      + "\(report.stored) proposed stored, \(report.expected) by the rule, "
                      + String(format: "%.2f s", report.seconds))
                print("missing: \(report.missing.count)  extra: \(report.extra.count)  stale: \(report.staleCount)")
                if report.pendingJobs > 0 {
                    print("\(report.pendingJobs) matching jobs were waiting or running: what they change shows above until they have run")
                }
                for pair in report.missing.prefix(20) { print("  missing \(MatchCommand.ids(pair))") }
                for pair in report.extra.prefix(20) { print("  extra   \(MatchCommand.ids(pair))") }
                for stale in report.stale.prefix(5) {
                    print("  stale   \(MatchCommand.ids(stale.pair)) " + String(format: "%.6f stored, %.6f now", stale.stored, stale.now))
                }
            }
            if !report.holds { throw ExitCode(1) }
        }
    }

    static func ids(_ pair: MatchingVerifier.Pair) -> String {
        "participant \(pair.participantID.uuidString.lowercased()) offer \(pair.offerID.uuidString.lowercased())"
    }
}
