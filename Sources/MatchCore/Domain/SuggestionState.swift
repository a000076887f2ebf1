/// Where a suggestion is in its life. One state machine, enforced by `SuggestionReview` (the
/// coordinator's and employer's actions), `SuggestionStore` (matching proposes and withdraws) and
/// the system withdrawals of offers and consents:
///
/// ```text
///   (new) ─────────── matching ranks it ──────────▶ proposed
///   proposed ── approve ──▶ approved ── present ──▶ presented ── employer: interested ──▶ employer_interested
///   presented │ employer_interested │ contacted ── contacted (a meeting or call) ──▶ contacted
///   employer_interested │ contacted ── placement (PlacementStore) ──▶ placed
///   presented ── employer: not interested ──▶ rejected (employer_declined)
///   any state before placed ── a coordinator rejects (reason, note) ──▶ rejected
///   under way ── offer paused/filled/closed, matching consent withdrawn, placed elsewhere ──▶ withdrawn
///   presented │ employer_interested │ contacted ── disclosure consent withdrawn ──▶ withdrawn
///   proposed ── pushed out of both top lists ──▶ withdrawn
///   withdrawn │ rejected whose facts changed ── matching ranks it ──▶ proposed
/// ```
///
/// `placed`, and `rejected` and `withdrawn` until matching proposes the pair again, are final for
/// the people acting on it.
public enum SuggestionState: String, Sendable, Codable, CaseIterable {
    /// Matching proposes the pair; nobody has looked at it yet.
    case proposed
    /// A coordinator thinks the pair is worth presenting.
    case approved
    /// Presented to the employer, with the supports the coordinator chose to disclose.
    case presented
    /// The employer said it is interested.
    case employerInterested = "employer_interested"
    /// The coordinator has recorded a meeting or call (repeatable).
    case contacted
    /// A placement started (recorded by the placement flow).
    case placed
    /// A coordinator or the employer said no, with a reason.
    case rejected
    /// The system took it back: the pair left both top lists, the offer or a consent ended.
    case withdrawn

    /// States a person has acted on: matching leaves them alone and they take no place in either
    /// side's top list.
    public static let reviewed: [SuggestionState] = [.approved, .presented, .employerInterested, .contacted, .placed]

    /// States the employer sees its candidates in.
    public static let visibleToEmployer: [SuggestionState] = [.presented, .employerInterested, .contacted, .placed]

    /// States the system withdraws when an offer stops or the matching consent is withdrawn:
    /// everything still under way.
    public static let underWay: [SuggestionState] = [.proposed, .approved, .presented, .employerInterested, .contacted]

    /// States that have shown the participant to the employer: withdrawn when the disclosure
    /// consent is.
    public static let disclosed: [SuggestionState] = [.presented, .employerInterested, .contacted]

    /// States a placement may be recorded from (`PlacementStore.start`).
    public static let placeable: [SuggestionState] = [.employerInterested, .contacted]

    /// The conflict of trying `action` from `state` when it is allowed only from `allowed`: names
    /// the state and the states it is allowed from.
    static func refusal(of action: String, from state: SuggestionState, allowed: [SuggestionState]) -> StoreError {
        var errors = FieldErrors()
        errors.add("/state", rule: "transition",
                   "a suggestion that is \(state.rawValue) cannot be given \(action); it must be "
                   + allowed.map(\.rawValue).joined(separator: " or "))
        return .conflict(errors)
    }

    /// The states as an SQL list, for `state IN (…)`.
    static func sqlList(_ states: [SuggestionState]) -> PostgresQuery {
        PostgresQuery(unsafeSQL: "(" + states.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")")
    }
}

/// What a person does to a suggestion, and the states each action may start from.
public enum ReviewAction: String, Sendable, CaseIterable {
    /// A coordinator approves a proposal.
    case approve
    /// A coordinator rejects, with a reason code.
    case reject
    /// A coordinator presents an approved candidate to the employer.
    case present
    /// The employer's answer (given in the API, or by phone and recorded by a coordinator).
    case employerAnswer = "employer_answer"
    /// A coordinator records a meeting or call.
    case contacted

    /// The states the action may start from.
    public var allowedFrom: [SuggestionState] {
        switch self {
        case .approve: [.proposed]
        case .reject: SuggestionState.underWay
        case .present: [.approved]
        case .employerAnswer: [.presented]
        case .contacted: [.presented, .employerInterested, .contacted]
        }
    }

    /// The conflict of trying the action from `state`: names the state and the states it is allowed from.
    func refusal(from state: SuggestionState) -> StoreError {
        SuggestionState.refusal(of: rawValue, from: state, allowed: allowedFrom)
    }
}
