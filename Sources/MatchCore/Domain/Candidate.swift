import Foundation

/// A participant as an employer sees them once a coordinator has presented them for one of its
/// offers: what the placement needs, nothing that identifies the person or speaks of their health
/// (privacy by design). Its id is the suggestion's, never the participant's.
///
/// Left out on purpose: the case reference, name, gender, birth year, home, interests text,
/// experience, the support facts and any note; of informal competence only its kinds; of the
/// supports only the disclosed ones' names and monthly amounts (a duration reveals an age band, a
/// rule's reasons a health condition).
public struct Candidate: Sendable, Encodable {
    /// A support the coordinator chose to disclose.
    public struct DisclosedSupport: Sendable, Encodable, Hashable {
        /// The support's code.
        public var code: String
        /// Its name in Swedish.
        public var nameSv: String
        /// Its name in English.
        public var nameEn: String
        /// The estimated amount a month, if the catalog gives one.
        public var estimatedMonthlyAmount: Int?

        enum CodingKeys: String, CodingKey {
            case code, nameSv = "name_sv", nameEn = "name_en", estimatedMonthlyAmount = "estimated_monthly_amount"
        }

        /// Encodes every field, an unknown amount as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code)
            try c.encode(nameSv, forKey: .nameSv)
            try c.encode(nameEn, forKey: .nameEn)
            try c.encode(estimatedMonthlyAmount, forKey: .estimatedMonthlyAmount)
        }
    }

    /// Whom the employer talks to: the responsible coordinator.
    public struct Contact: Sendable, Encodable, Hashable {
        /// Full name.
        public var name: String
        /// E-mail address.
        public var email: String

        enum CodingKeys: String, CodingKey { case name, email }
    }

    /// The suggestion's id.
    public var id: UUID
    /// The offer the candidate is presented for.
    public var offerID: UUID
    /// presented, employer_interested, contacted or placed (and rejected in the answer to a decline).
    public var state: SuggestionState
    /// Counts state changes: the ETag for `If-Match` on the answer.
    public var version: Int
    /// When the coordinator presented the candidate.
    public var presentedAt: Date?
    /// Occupations the candidate wishes for (SSYK).
    public var wishedOccupations: [String]
    /// Hours a week the candidate can work now.
    public var hoursPerWeek: Int
    /// The first day the candidate can start.
    public var availableFrom: CalendarDate?
    /// Languages and levels.
    public var languages: [LanguageSkill]
    /// Skills.
    public var skills: [String]
    /// The kinds of competence gained outside work (never their description).
    public var informalCompetence: [InformalCompetence.Source]
    /// The adaptations the workplace needs to give (the offers' vocabulary).
    public var adaptationNeeds: [Adaptation]
    /// Whether a handledare is needed.
    public var needsHandledare: Bool
    /// The supports disclosed, with their estimated amounts.
    public var disclosedSupports: [DisclosedSupport]
    /// Whom to contact.
    public var contact: Contact?

    /// The employer's view of a presented suggestion.
    public init(suggestion: SuggestionStore.Stored, state: SuggestionState, participant: ParticipantFields, contact: Contact?) {
        id = suggestion.id
        offerID = suggestion.offerID
        self.state = state
        version = suggestion.version
        presentedAt = suggestion.presentedAt
        wishedOccupations = participant.wishedOccupations
        hoursPerWeek = participant.hoursPerWeek
        availableFrom = participant.availableFrom
        languages = participant.languages
        skills = participant.skills
        var sources: [InformalCompetence.Source] = []
        for source in participant.informalCompetence.map(\.source) where !sources.contains(source) { sources.append(source) }
        informalCompetence = sources
        adaptationNeeds = participant.adaptationNeeds
        needsHandledare = participant.needsHandledare
        let verdicts = Dictionary(suggestion.supports.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        disclosedSupports = suggestion.disclosedSupports.compactMap { code in
            verdicts[code].map { DisclosedSupport(code: code, nameSv: $0.nameSv, nameEn: $0.nameEn,
                                                  estimatedMonthlyAmount: $0.estimatedMonthlyAmount) }
        }
        self.contact = contact
    }

    enum CodingKeys: String, CodingKey {
        case id, offerID = "offer_id", state, version, presentedAt = "presented_at", wishedOccupations = "wished_occupations"
        case hoursPerWeek = "hours_per_week", availableFrom = "available_from", languages, skills
        case informalCompetence = "informal_competence", adaptationNeeds = "adaptation_needs", needsHandledare = "needs_handledare"
        case disclosedSupports = "disclosed_supports", contact
    }

    /// Encodes every field; ids in lower case, absent values as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeID(id, forKey: .id)
        try c.encodeID(offerID, forKey: .offerID)
        try c.encode(state, forKey: .state)
        try c.encode(version, forKey: .version)
        try c.encode(presentedAt, forKey: .presentedAt)
        try c.encode(wishedOccupations, forKey: .wishedOccupations)
        try c.encode(hoursPerWeek, forKey: .hoursPerWeek)
        try c.encode(availableFrom, forKey: .availableFrom)
        try c.encode(languages, forKey: .languages)
        try c.encode(skills, forKey: .skills)
        try c.encode(informalCompetence, forKey: .informalCompetence)
        try c.encode(adaptationNeeds, forKey: .adaptationNeeds)
        try c.encode(needsHandledare, forKey: .needsHandledare)
        try c.encode(disclosedSupports, forKey: .disclosedSupports)
        try c.encode(contact, forKey: .contact)
    }
}
