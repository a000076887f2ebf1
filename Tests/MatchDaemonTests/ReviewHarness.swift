import Foundation
import Testing
@testable import MatchCore

/// An event as the outbox holds it, for exact comparisons.
struct StoredEvent: Equatable, CustomStringConvertible {
    var type: String
    var suggestion: UUID?
    var suggestions: [UUID]
    var participant: UUID?
    var offer: UUID?
    var employer: UUID?
    var recipients: [UUID]

    var description: String {
        "\(type) s=\(suggestion?.uuidString.prefix(8) ?? "-") ss=\(suggestions.count) p=\(participant?.uuidString.prefix(8) ?? "-") "
            + "o=\(offer?.uuidString.prefix(8) ?? "-") e=\(employer?.uuidString.prefix(8) ?? "-") to=\(recipients.map { $0.uuidString.prefix(8) })"
    }

    /// The events of `forbundID` written after the one numbered `after`, in order, with the last id.
    static func since(_ after: Int64, forbundID: UUID, on connection: PostgresConnection) async throws -> ([StoredEvent], Int64) {
        let rows = try await connection.query("""
            SELECT id, type, suggestion_id, suggestion_ids, participant_id, offer_id, employer_id, recipients FROM events
            WHERE forbund_id = \(forbundID) AND id > \(after) ORDER BY id
            """)
        var last = after
        let events = try rows.map { row in
            last = try row.decode(Int64.self, "id")
            return StoredEvent(type: try row.decode(String.self, "type"), suggestion: try row.decode(UUID?.self, "suggestion_id"),
                               suggestions: try row.decode([UUID].self, "suggestion_ids"),
                               participant: try row.decode(UUID?.self, "participant_id"), offer: try row.decode(UUID?.self, "offer_id"),
                               employer: try row.decode(UUID?.self, "employer_id"), recipients: try row.decode([UUID].self, "recipients"))
        }
        return (events, last)
    }
}

/// One employer with an open offer and a user of its own, in a tenant of the shared server, and
/// suggestions written straight into the table in whatever state a test needs (the shared server
/// runs no matching). The pair's supports: one that applies and one that does not.
struct ReviewBench {
    let tenant: TestTenant
    let employerID: String
    let employer: APIClient
    let offer: String

    static let applying = SupportEvaluator.Verdict(
        code: "introduktionsjobb", versionValidFrom: CalendarDate(iso: "2026-01-01")!, nameSv: "Introduktionsjobb",
        nameEn: "Introductory job", applies: true, estimatedMonthlyAmount: 13_200, yearlyMaximum: nil, usedDefaultWage: false,
        maxDurationMonths: 12, failures: [], source: "https://arbetsformedlingen.se")
    static let notApplying = SupportEvaluator.Verdict(
        code: "lonebidrag_utveckling", versionValidFrom: CalendarDate(iso: "2026-01-01")!, nameSv: "Lönebidrag för utveckling",
        nameEn: "Wage subsidy for development", applies: false, estimatedMonthlyAmount: nil, yearlyMaximum: nil, usedDefaultWage: false,
        maxDurationMonths: 12, failures: [], source: "https://arbetsformedlingen.se")

    static func make(_ tenant: TestTenant, organisationsnummer: String = PublicBodies.linkopingsKommun) async throws -> ReviewBench {
        let employerID = try await tenant.createEmployer(organisationsnummer)
        let employer = try await tenant.employerClient(try #require(UUID(uuidString: employerID)))
        let created = try await tenant.coordinator.post("/v1/employers/\(employerID)/offers", offerBody(["status": "open"]))
        let offer = try #require(created.json["id"] as? String, "\(created.text)")
        return ReviewBench(tenant: tenant, employerID: employerID, employer: employer, offer: offer)
    }

    /// A new participant (matching consent, and disclosure consent when `disclosure`) and a
    /// suggestion to this bench's offer in `state`; returns the suggestion's and the participant's ids.
    func seed(_ state: SuggestionState, disclosure: Bool = true, offer: String? = nil,
              changes: [String: Any] = [:]) async throws -> (suggestion: String, participant: String) {
        let api = tenant.coordinator
        let created = try await api.post("/v1/participants", participantBody(changes))
        let participant = try #require(created.json["id"] as? String, "\(created.text)")
        var purposes = ["matching"]
        if disclosure { purposes.append("disclosure_to_employers") }
        for purpose in purposes {
            #expect(try await api.post("/v1/participants/\(participant)/consents", ["purpose": purpose, "given_on": "2026-01-10"]).status == 201)
        }
        let id = try await ReviewSeed.insert(tenant, participant: participant, offer: offer ?? self.offer,
                                             supports: [Self.applying, Self.notApplying], state: state)
        return (id, participant)
    }

    /// Puts a suggestion into `state` (for the table of transitions).
    func force(_ suggestion: String, into state: SuggestionState) async throws {
        try await ReviewSeed.force(tenant, suggestion, into: state)
    }

    func state(of suggestion: String) async throws -> String? {
        try await tenant.coordinator.get("/v1/suggestions/\(suggestion)").json["state"] as? String
    }
}

/// The body each review action is tried with.
func reviewBody(_ action: ReviewAction) -> [String: Any] {
    switch action {
    case .approve, .contacted: ["note": "anteckning"]
    case .reject: ["reason": "timing"]
    case .present: ["disclosed_supports": [ReviewBench.applying.code]]
    case .employerAnswer: ["interested": true]
    }
}

/// The route of each review action.
func reviewPath(_ action: ReviewAction, _ suggestion: String) -> String {
    let path = ["approve": "approve", "reject": "reject", "present": "present", "contacted": "contacted",
                "employer_answer": "employer-answer"][action.rawValue]!
    return "/v1/suggestions/\(suggestion)/\(path)"
}

/// Suggestions for the contract tests: written into the table between a participant and an offer
/// the API made, and put into the state each action's example starts from (presented and later
/// ones with their eligible supports disclosed, as a coordinator presenting them would).
enum ReviewSeed {
    /// The state each action operation is tried from.
    static let actionStates: [String: SuggestionState] = [
        "approveSuggestion": .proposed, "rejectSuggestion": .proposed, "presentSuggestion": .approved,
        "recordSuggestionContact": .presented, "recordEmployerAnswer": .presented, "answerCandidate": .presented,
        "createPlacement": .employerInterested,
    ]

    /// A suggestion between `participant` and `offer` whose supports include the examples' code,
    /// with a disclosure consent in force for the participant.
    static func suggestion(_ tenant: TestTenant, participant: String, offer: String) async throws -> String {
        var lonebidrag = ReviewBench.applying
        lonebidrag.code = "lonebidrag"
        let participantID = UUID(uuidString: participant)!
        try await tenant.connection.execute("""
            INSERT INTO participant_consents (forbund_id, participant_id, purpose, given_on, recorded_by)
            VALUES (\(tenant.forbund.id), \(participantID), 'disclosure_to_employers', '2025-01-01', 'test')
            """)
        return try await insert(tenant, participant: participant, offer: offer, supports: [lonebidrag, ReviewBench.notApplying], state: .proposed)
    }

    /// Writes a suggestion in `state` (presented and later ones with their presentation time).
    static func insert(_ tenant: TestTenant, participant: String, offer: String, supports: [SupportEvaluator.Verdict],
                       state: SuggestionState) async throws -> String {
        try await tenant.connection.query("""
            INSERT INTO suggestions (forbund_id, participant_id, offer_id, score, components, supports, weights, state, presented_at,
                                     disclosed_supports)
            VALUES (\(tenant.forbund.id), \(UUID(uuidString: participant)!), \(UUID(uuidString: offer)!), 0.8, '[]',
                    \(PostgresJSONB(supports)), \(PostgresJSONB(ScoreWeights())), \(state.rawValue),
                    CASE WHEN \(SuggestionState.visibleToEmployer.contains(state)) THEN now() END,
                    CASE WHEN \(SuggestionState.visibleToEmployer.contains(state)) THEN \(supports.filter(\.applies).map(\.code)) ELSE '{}' END)
            RETURNING id
            """)[0].decode(UUID.self, "id").uuidString.lowercased()
    }

    static func force(_ tenant: TestTenant, _ suggestion: String, into state: SuggestionState) async throws {
        try await tenant.connection.execute("""
            UPDATE suggestions SET state = \(state.rawValue),
                presented_at = CASE WHEN \(SuggestionState.visibleToEmployer.contains(state)) THEN now() END,
                disclosed_supports = CASE WHEN \(SuggestionState.visibleToEmployer.contains(state))
                    THEN ARRAY(SELECT v->>'code' FROM jsonb_array_elements(supports) v WHERE (v->>'applies')::boolean) ELSE '{}' END
            WHERE forbund_id = \(tenant.forbund.id) AND id = \(UUID(uuidString: suggestion)!)
            """)
    }
}
