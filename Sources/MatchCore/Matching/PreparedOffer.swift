import Foundation

/// An open offer in the form matching reads fastest: bit sets, ranks, word sets and an id order
/// worked out once when the offer enters the index, not once per participant it is paired with.
/// A class, so that passing one through the matching loop costs one reference count.
public final class PreparedOffer: Sendable {
    /// The offer as stored.
    public let source: MatchOffer
    let order: IDOrder
    let latitude: Double
    let longitude: Double
    let cosLatitude: Double
    let remote: Bool
    let open: Bool
    let hasPositions: Bool
    let hoursMin: Int
    let hoursMax: Int
    let stepByStepStart: Bool
    let adaptations: AdaptationSet
    let handledare: Bool
    let startDate: CalendarDate
    let requiredLanguages: [(language: String, rank: Int)]
    /// The supports the offer stands on: those it counts on, and its type's own.
    let neededSupports: Set<String>
    let employerID: UUID
    let sector: EmployerSector
    let occupation: [UInt8]
    let words: Set<String>
    let requiredSkills: [PreparedSkill]
    let wantedSkills: [PreparedSkill]
    let scheduleValue: Double
    let relationValue: Double

    /// Prepares `candidate` for matching.
    public init(_ candidate: MatchOffer) {
        let fields = candidate.offer.fields
        source = candidate
        order = IDOrder(candidate.offer.id)
        latitude = fields.workplaceLatitude
        longitude = fields.workplaceLongitude
        cosLatitude = cos(fields.workplaceLatitude * GreatCircle.radians)
        remote = fields.remotePossible
        open = candidate.offer.status == .open
        hasPositions = candidate.positionsLeft > 0
        hoursMin = fields.hoursMin
        hoursMax = fields.hoursMax
        stepByStepStart = fields.adaptations.contains(.stepByStepStart)
        adaptations = AdaptationSet(fields.adaptations)
        handledare = fields.handledareAvailable
        startDate = fields.startDate
        requiredLanguages = fields.requiredLanguages.map { ($0.language, $0.level.rank) }
        var needed = Set(fields.supportsCountedOn)
        if let code = PairConstraints.supportOfType[fields.type] { needed.insert(code) }
        neededSupports = needed
        employerID = candidate.offer.employerID
        sector = candidate.employerSector
        occupation = Array(fields.occupation.utf8)
        words = PairScorer.words(fields.title + " " + fields.description)
        requiredSkills = fields.requiredSkills.map(PreparedSkill.init)
        wantedSkills = fields.wantedSkills.map(PreparedSkill.init)
        scheduleValue = switch fields.scheduleFlexibility { case .fixed: 0; case .some: 0.5; case .flexible: 1 }
        relationValue = (candidate.hasActiveAgreement ? 0.6 : 0) + min(1, Double(candidate.successfulPlacements) / 4) * 0.4
    }

    /// The offer's id.
    public var id: UUID { source.offer.id }
}

/// A skill an offer asks for, lower-cased and split into words once.
struct PreparedSkill: Sendable {
    let name: String
    let lowercased: String
    let words: Set<String>

    init(_ name: String) {
        self.name = name
        lowercased = name.lowercased()
        words = PairScorer.words(name)
    }
}

extension LanguageLevel {
    /// The level's place from A1 (0) to native.
    var rank: Int {
        switch self { case .a1: 0; case .a2: 1; case .b1: 2; case .b2: 3; case .c1: 4; case .c2: 5; case .native: 6 }
    }
}
