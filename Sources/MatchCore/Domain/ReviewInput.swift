import Foundation

/// The body of the review actions, as sent: every field optional here so that a missing one is
/// reported by name with the others. `validated(for:)` checks it for one action.
public struct ReviewInput: Sendable, Decodable {
    /// A note for the history (all actions).
    public var note: String?
    /// The reason code (`reject`).
    public var reason: String?
    /// The support codes to disclose (`present`).
    public var disclosedSupports: [String]?
    /// The employer's answer (`employer-answer`).
    public var interested: Bool?

    /// An input with these fields.
    public init(note: String? = nil, reason: String? = nil, disclosedSupports: [String]? = nil, interested: Bool? = nil) {
        self.note = note
        self.reason = reason
        self.disclosedSupports = disclosedSupports
        self.interested = interested
    }

    enum CodingKeys: String, CodingKey {
        case note, reason, disclosedSupports = "disclosed_supports", interested
    }

    /// The checked input of one action.
    public struct Checked: Sendable {
        /// The note, trimmed; nil when absent or empty.
        public var note: String?
        /// The reason (`reject`).
        public var reason: RejectionReason?
        /// The codes to disclose (`present`), as given.
        public var disclosedSupports: [String]
        /// The employer's answer (`employer_answer`).
        public var interested: Bool?
    }

    /// Checks the fields `action` takes: a note of at most 2000 characters; a reason code for a
    /// rejection; the codes to disclose for a presentation (at most 20, none when absent); the answer for an
    /// employer's answer. The schema of each route refuses the fields it does not take.
    public func validated(for action: ReviewAction) throws(FieldErrors) -> Checked {
        var check = InputCheck()
        let note = check.text(note, "/note", maxLength: 2_000).flatMap { $0.isEmpty ? nil : $0 }
        var checked = Checked(note: note, reason: nil, disclosedSupports: [], interested: nil)
        switch action {
        case .reject:
            checked.reason = check.oneOf(reason, "/reason", as: RejectionReason.self)
        case .present:
            checked.disclosedSupports = check.texts(disclosedSupports, "/disclosed_supports", maxCount: 20, maxLength: 100)
        case .employerAnswer:
            checked.interested = check.required(interested, "/interested")
        case .approve, .contacted:
            break
        }
        try check.finish()
        return checked
    }
}
