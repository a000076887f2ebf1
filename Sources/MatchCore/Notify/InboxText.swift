/// The short text of an inbox entry, in Swedish or English. A coordinator's may name the case
/// reference, the offer's title and the employer's name; an employer user's names its own offer
/// only, never a participant.
enum InboxText {
    /// What a text may name.
    struct Names {
        var caseReference: String?
        var offerTitle: String?
        var employerName: String?
        var count: Int
    }

    /// The columns a text may name (`case_reference`, `offer_title`, `employer_name`), read
    /// through `nameJoins` for a row `i` of `inbox_entries` or `digest_items`.
    static let nameColumns: PostgresQuery = "p.case_reference, o.title AS offer_title, e.name AS employer_name"

    /// The joins from a row `i` with the event's ids to what its text may name.
    static let nameJoins: PostgresQuery = """
        LEFT JOIN participants p ON p.forbund_id = i.forbund_id AND p.id = i.participant_id
        LEFT JOIN placement_offers o ON o.forbund_id = i.forbund_id AND o.id = i.offer_id
        LEFT JOIN employers e ON e.forbund_id = i.forbund_id AND e.id = coalesce(i.employer_id, o.employer_id)
        """

    static func text(_ kind: Event.Kind, locale: String, toEmployer: Bool, _ names: Names) -> String {
        let sv = locale != "en"
        let person = toEmployer ? nil : names.caseReference
        let who = person ?? (sv ? "en deltagare" : "a participant")
        let title = names.offerTitle.map { sv ? "”\($0)”" : "“\($0)”" } ?? (sv ? "ett erbjudande" : "an offer")
        let employer = names.employerName ?? (sv ? "arbetsgivaren" : "the employer")
        switch kind {
        case .suggestionsNew:
            return sv ? "\(names.count) \(names.count == 1 ? "nytt förslag" : "nya förslag") för \(who)"
                : "\(names.count) new \(names.count == 1 ? "suggestion" : "suggestions") for \(who)"
        case .offerOpened:
            return sv ? "\(employer) öppnade \(title)" : "\(employer) opened \(title)"
        case .offerChanged:
            return sv ? "\(employer) ändrade \(title)" : "\(employer) changed \(title)"
        case .candidatePresented:
            return sv ? "En kandidat har presenterats för \(title)" : "A candidate was presented for \(title)"
        case .employerAnswered:
            return sv ? "\(employer) har svarat om \(who) för \(title)" : "\(employer) answered about \(who) for \(title)"
        case .placementStarted:
            return sv ? "Placering registrerad: \(who) hos \(employer)" : "Placement recorded: \(who) at \(employer)"
        case .placementEnded:
            return sv ? "Placering avslutad: \(who) hos \(employer)" : "Placement ended: \(who) at \(employer)"
        case .checkInDue:
            return sv ? "Uppföljning i dag: \(who) hos \(employer)" : "Follow-up due today: \(who) at \(employer)"
        case .checkInOverdue:
            return sv ? "Uppföljning försenad: \(who) hos \(employer)" : "Follow-up overdue: \(who) at \(employer)"
        case .checkInAtRisk:
            return sv ? "Placering i riskzonen: \(who) hos \(employer)" : "Placement at risk: \(who) at \(employer)"
        case .webhookDisabled:
            return sv ? "En webhook har stängts av efter upprepade fel" : "A webhook was disabled after failing repeatedly"
        }
    }
}
