import Foundation

/// A participant in the form matching reads fastest, for one day and one set of constraints:
/// consent decided, commute limit in km, needs as bits, skills and interests as word sets.
/// Prepared once per match, then paired with many offers.
public final class PreparedParticipant: Sendable {
    /// The participant as stored.
    public let source: Participant
    let order: IDOrder
    let consents: Bool
    let seeking: Bool
    let hoursPerWeek: Int
    let maxCommuteKm: Double
    let latitude: Double
    let longitude: Double
    let cosLatitude: Double
    let needs: AdaptationSet
    let needsHandledare: Bool
    /// The earliest start date the participant can make, the slack granted.
    let earliestOfferStart: CalendarDate?
    let languages: [(language: String, rank: Int)]
    let excludedEmployers: Set<UUID>
    let excludedSectors: [EmployerSector]
    let wishes: [(code: String, digits: [UInt8])]
    let interestWords: [String]
    let ownSkills: Set<String>
    let ownWords: Set<String>
    let experience: [(digits: [UInt8], years: Int)]

    /// Prepares `participant` for matching on `today` under `constraints`.
    public init(_ participant: Participant, today: CalendarDate, constraints: PairConstraints) {
        let person = participant.fields
        source = participant
        order = IDOrder(participant.id)
        consents = participant.consentsToMatching(on: today)
        seeking = person.seeking
        hoursPerWeek = person.hoursPerWeek
        maxCommuteKm = constraints.maxCommuteKm(person)
        latitude = person.homeLatitude
        longitude = person.homeLongitude
        cosLatitude = cos(person.homeLatitude * GreatCircle.radians)
        needs = AdaptationSet(person.adaptationNeeds)
        needsHandledare = person.needsHandledare
        earliestOfferStart = person.availableFrom?.adding(days: -constraints.startSlackDays)
        languages = person.languages.map { ($0.language, $0.level.rank) }
        excludedEmployers = Set(person.excludedEmployerIDs)
        excludedSectors = person.excludedSectors
        wishes = person.wishedOccupations.map { ($0, Array($0.utf8)) }
        interestWords = PairScorer.words(person.interests).sorted()
        ownSkills = Set((person.skills + person.informalCompetence.map(\.description)).map { $0.lowercased() })
        ownWords = ownSkills.reduce(into: Set<String>()) { $0.formUnion(PairScorer.words($1)) }
        experience = person.experience.map { (Array($0.occupation.utf8), $0.years) }
    }

    /// The participant's id.
    public var id: UUID { source.id }

    /// Whether the participant does not want this offer's employer or sector. Most exclude
    /// nothing, so the empty case costs no hashing.
    func excludes(_ offer: PreparedOffer) -> Bool {
        (!excludedSectors.isEmpty && excludedSectors.contains(offer.sector))
            || (!excludedEmployers.isEmpty && excludedEmployers.contains(offer.employerID))
    }

    /// The level the participant has in `language`, as a rank, if any.
    func languageRank(_ language: String) -> Int? {
        languages.first { $0.language == language }?.rank
    }
}
