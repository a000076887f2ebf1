import Foundation

/// What matching made of the demo förbund: the counts, why the participants left without a
/// suggestion are (from their nearest misses), and one suggestion with its reasons and supports.
public struct DemoSummary: Sendable {
    /// Employers registered.
    public var employers = 0
    /// Offers registered, and how many of them are open.
    public var offers = 0, openOffers = 0
    /// Participants registered.
    public var participants = 0
    /// Participants who seek work and consent to matching: everyone matching must consider.
    public var matchable = 0
    /// Participants who do not seek work now, and those without consent to matching.
    public var notSeeking = 0, withoutConsent = 0
    /// Proposed suggestions, and the participants they are for.
    public var suggestions = 0, participantsWithSuggestions = 0
    /// Suggestions the market-wide assignment recommends.
    public var recommended = 0
    /// Matchable participants with no suggestion, by each constraint their nearest miss fails.
    public var withoutSuggestion = 0
    /// For those: how many nearest misses fail each constraint, most first.
    public var nearestMissFailures: [(ConstraintFailure, Int)] = []
    /// One recommended suggestion, for showing.
    public var example: SuggestionStore.Stored?
    /// Its offer's title and employer, and the participant's case reference.
    public var exampleOffer = "", exampleEmployer = "", exampleCaseReference = ""
    /// Its offer's employer.
    public var exampleEmployerID: UUID?

    static let audit = AuditContext(actor: DemoLoader.actor, reason: "demo summary", requestID: "demo")

    /// Reads the summary of `forbundID`; the participants it reads are audited as a bulk read.
    public static func read(forbundID: UUID, matcher: PairMatcher, pool: PostgresPool) async throws -> DemoSummary {
        try await pool.withTransaction { tx in
            var summary = DemoSummary()
            let counts = try await tx.query("""
                SELECT (SELECT count(*) FROM employers WHERE forbund_id = \(forbundID)) AS employers,
                       (SELECT count(*) FROM placement_offers WHERE forbund_id = \(forbundID)) AS offers,
                       (SELECT count(*) FROM placement_offers WHERE forbund_id = \(forbundID) AND status = 'open') AS open_offers,
                       (SELECT count(*) FROM participants WHERE forbund_id = \(forbundID)) AS participants,
                       (SELECT count(*) FROM participants WHERE forbund_id = \(forbundID) AND NOT seeking) AS not_seeking,
                       (SELECT count(*) FROM participants p WHERE p.forbund_id = \(forbundID) AND p.seeking AND NOT EXISTS (
                            SELECT 1 FROM participant_consents c WHERE c.forbund_id = p.forbund_id AND c.participant_id = p.id
                            AND c.purpose = 'matching' AND c.withdrawn_on IS NULL)) AS without_consent,
                       (SELECT count(*) FROM suggestions WHERE forbund_id = \(forbundID) AND state = 'proposed') AS suggestions,
                       (SELECT count(DISTINCT participant_id) FROM suggestions
                        WHERE forbund_id = \(forbundID) AND state = 'proposed') AS with_suggestions,
                       (SELECT count(*) FROM suggestions WHERE forbund_id = \(forbundID) AND recommended) AS recommended
                """)[0]
            summary.employers = try counts.decode(Int.self, "employers")
            summary.offers = try counts.decode(Int.self, "offers")
            summary.openOffers = try counts.decode(Int.self, "open_offers")
            summary.participants = try counts.decode(Int.self, "participants")
            summary.notSeeking = try counts.decode(Int.self, "not_seeking")
            summary.withoutConsent = try counts.decode(Int.self, "without_consent")
            summary.suggestions = try counts.decode(Int.self, "suggestions")
            summary.participantsWithSuggestions = try counts.decode(Int.self, "with_suggestions")
            summary.recommended = try counts.decode(Int.self, "recommended")
            summary.matchable = summary.participants - summary.notSeeking - summary.withoutConsent

            // Why the others have none: match each again and count what their nearest miss fails.
            let suggested = Set(try await tx.query("""
                SELECT DISTINCT participant_id FROM suggestions WHERE forbund_id = \(forbundID) AND state = 'proposed'
                """).map { try $0.decode(UUID.self, "participant_id") })
            let offers = try await MatchingSnapshot().offers(forbundID: forbundID, on: tx.connection)
            let supports = try await SupportCatalogStore().definitions(on: tx.connection)
            let today = CalendarDate.inSweden()
            var failures: [ConstraintFailure: Int] = [:]
            for (participant, waiting) in try await MatchingSnapshot().participants(forbundID: forbundID, on: tx.connection)
            where !suggested.contains(participant.id) && participant.consentsToMatching(on: today) {
                summary.withoutSuggestion += 1
                let outcome = matcher.match(participant, offers: offers, supports: supports, today: today, waitingDays: waiting)
                for failure in outcome.nearMisses.first?.failures ?? [] { failures[failure, default: 0] += 1 }
            }
            summary.nearestMissFailures = failures.sorted { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }
            try await AuditLog().record(.bulkRead, entity: ParticipantStore.entity, id: nil, forbundID: forbundID,
                                        actor: audit.actor, reason: audit.reason, requestID: audit.requestID, in: tx)

            // The example: the best recommended pair an employer user can see once it is presented.
            let example = try await tx.query("""
                SELECT s.id, o.title, e.name, e.id AS employer_id, p.case_reference
                FROM suggestions s
                JOIN placement_offers o ON o.forbund_id = s.forbund_id AND o.id = s.offer_id
                JOIN employers e ON e.forbund_id = o.forbund_id AND e.id = o.employer_id
                JOIN participants p ON p.forbund_id = s.forbund_id AND p.id = s.participant_id
                WHERE s.forbund_id = \(forbundID) AND s.state = 'proposed' AND s.recommended
                ORDER BY EXISTS (SELECT 1 FROM users u WHERE u.forbund_id = e.forbund_id AND u.employer_id = e.id) DESC,
                         EXISTS (SELECT 1 FROM participant_consents c WHERE c.forbund_id = p.forbund_id AND c.participant_id = p.id
                                 AND c.purpose = 'disclosure_to_employers' AND c.withdrawn_on IS NULL) DESC,
                         jsonb_array_length(s.supports) DESC, s.score DESC, o.title, p.case_reference
                LIMIT 1
                """).first
            if let example {
                summary.example = try await SuggestionStore().get(forbundID: forbundID, id: try example.decode(UUID.self, "id"), on: tx.connection)
                summary.exampleOffer = try example.decode(String.self, "title")
                summary.exampleEmployer = try example.decode(String.self, "name")
                summary.exampleEmployerID = try example.decode(UUID.self, "employer_id")
                summary.exampleCaseReference = try example.decode(String.self, "case_reference")
                try await AuditLog().recordReads(of: [summary.example!.participantID], forbundID: forbundID, context: audit, in: tx)
            }
            return summary
        }
    }

    /// The counts as `key: value` lines, the same on every run of the same data (scripts and tests compare them).
    public var countLines: [String] {
        [
            "employers: \(employers)", "offers: \(offers) (\(openOffers) open)", "participants: \(participants)",
            "seeking and consenting: \(matchable)", "not seeking: \(notSeeking)", "without consent to matching: \(withoutConsent)",
            "suggestions: \(suggestions)", "participants with suggestions: \(participantsWithSuggestions)",
            "participants without a suggestion: \(withoutSuggestion)", "recommended by the assignment: \(recommended)",
        ]
    }

    /// The summary for people: the counts, the reasons, and the example with its explanation.
    public var text: String {
        var lines = countLines.map { "  " + $0 }
        if !nearestMissFailures.isEmpty {
            lines.append("  why those \(withoutSuggestion) have none (what their nearest offer fails):")
            for (failure, count) in nearestMissFailures {
                lines.append("    \(String(count).leftPadded(4))  \(failure.rawValue): \(failure.messageEn)")
            }
        }
        if let example {
            lines.append("")
            lines.append("One suggestion (\(example.id.uuidString.lowercased())): \(exampleOffer) at \(exampleEmployer) for participant \(exampleCaseReference)")
            lines.append(String(format: "  score %.3f%@", example.score, example.recommended ? ", recommended by the assignment" : ""))
            for component in example.components where component.contribution > 0 {
                lines.append(String(format: "  +%.3f  %@", component.contribution, component.sentenceEn))
            }
            for support in example.supports where support.applies {
                let amount = support.estimatedMonthlyAmount.map { ", about \(SwedishNumber.kronor($0)) a month" } ?? ""
                lines.append("  support: \(support.nameEn) (\(support.nameSv))\(amount)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

/// Numbers in Swedish form.
enum SwedishNumber {
    /// `6 284 kr`, thousands grouped by a non-breaking space.
    static func kronor(_ amount: Int) -> String {
        let digits = String(abs(amount))
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append("\u{00A0}") }
            grouped.append(character)
        }
        return (amount < 0 ? "-" : "") + grouped + "\u{00A0}kr"
    }
}
