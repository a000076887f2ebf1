import Foundation

/// An open offer as matching sees it: the offer, its employer's sector and relation, and how many
/// positions are left.
public struct MatchOffer: Sendable, Hashable {
    /// The offer.
    public var offer: PlacementOffer
    /// The employer's sector.
    public var employerSector: EmployerSector
    /// Whether the employer has an agreement with the förbund in force.
    public var hasActiveAgreement: Bool
    /// Earlier placements with this employer that succeeded.
    public var successfulPlacements: Int
    /// Positions not yet taken.
    public var positionsLeft: Int

    /// An offer for matching.
    public init(offer: PlacementOffer, employerSector: EmployerSector, hasActiveAgreement: Bool = false,
                successfulPlacements: Int = 0, positionsLeft: Int? = nil) {
        self.offer = offer
        self.employerSector = employerSector
        self.hasActiveAgreement = hasActiveAgreement
        self.successfulPlacements = successfulPlacements
        self.positionsLeft = positionsLeft ?? offer.fields.positions
    }
}

/// Why a pair cannot be suggested: one code per hard constraint.
public enum ConstraintFailure: String, Sendable, Hashable, Codable, CaseIterable {
    /// No consent to matching in force.
    case noConsent = "no_consent"
    /// The participant does not want a job now.
    case notSeeking = "not_seeking"
    /// The offer is not open.
    case offerNotOpen = "offer_not_open"
    /// Every position is taken.
    case noPositionsLeft = "no_positions_left"
    /// The offer needs more hours than the participant can work now (and offers no stepwise start).
    case hours
    /// The workplace is further than the participant's longest commute.
    case commute
    /// A required language is missing or below the level.
    case language
    /// An adaptation the participant needs is not offered.
    case adaptation
    /// The participant needs a handledare and the offer has none.
    case handledare
    /// The participant is not available by the start date.
    case startDate = "start_date"
    /// A support the offer depends on does not apply to the participant.
    case support
    /// The participant does not want this employer or its sector.
    case excluded

    /// A sentence for the coordinator, in Swedish.
    public var messageSv: String {
        switch self {
        case .noConsent: "Samtycke till matchning saknas."
        case .notSeeking: "Deltagaren söker inte arbete just nu."
        case .offerNotOpen: "Erbjudandet är inte öppet."
        case .noPositionsLeft: "Alla platser är tillsatta."
        case .hours: "Erbjudandet kräver fler timmar än deltagaren orkar nu."
        case .commute: "Arbetsplatsen ligger längre bort än deltagarens längsta restid."
        case .language: "Ett språkkrav uppfylls inte."
        case .adaptation: "En anpassning som deltagaren behöver erbjuds inte."
        case .handledare: "Deltagaren behöver handledare och erbjudandet har ingen."
        case .startDate: "Deltagaren kan inte börja till startdatum."
        case .support: "Ett stöd som erbjudandet bygger på gäller inte deltagaren."
        case .excluded: "Deltagaren vill inte till denna arbetsgivare eller sektor."
        }
    }

    /// The same in English.
    public var messageEn: String {
        switch self {
        case .noConsent: "No consent to matching."
        case .notSeeking: "The participant is not seeking work now."
        case .offerNotOpen: "The offer is not open."
        case .noPositionsLeft: "Every position is taken."
        case .hours: "The offer needs more hours than the participant can work now."
        case .commute: "The workplace is beyond the participant's longest commute."
        case .language: "A language requirement is not met."
        case .adaptation: "An adaptation the participant needs is not offered."
        case .handledare: "The participant needs a handledare and the offer has none."
        case .startDate: "The participant cannot start by the start date."
        case .support: "A support the offer depends on does not apply to the participant."
        case .excluded: "The participant does not want this employer or sector."
        }
    }
}

/// The hard constraints: a pair is suggested only if all hold. Pure; the date comes in.
public struct PairConstraints: Sendable {
    /// Road distance over great-circle distance.
    public var detourFactor: Double
    /// Speed used to turn a commute in minutes into km.
    public var commuteSpeedKmh: Double
    /// Days after the start date a participant may still start.
    public var startSlackDays: Int
    /// Commute assumed when the participant gave none.
    public var defaultMaxCommuteKm: Double

    /// Constraints with the documented defaults.
    public init(detourFactor: Double = 1.3, commuteSpeedKmh: Double = 40, startSlackDays: Int = 14, defaultMaxCommuteKm: Double = 30) {
        self.detourFactor = detourFactor
        self.commuteSpeedKmh = commuteSpeedKmh
        self.startSlackDays = startSlackDays
        self.defaultMaxCommuteKm = defaultMaxCommuteKm
    }

    /// The placement types that stand on a support, and its code.
    public static let supportOfType: [PlacementType: String] = [
        .nystartsjobb: "nystartsjobb", .introduktionsjobb: "introduktionsjobb", .lonestod: "lonebidrag", .osa: "osa",
    ]

    /// Every constraint the pair fails (empty when it may be suggested). `applyingSupports` are the
    /// codes the evaluator found the pair eligible for.
    public func failures(_ participant: Participant, _ candidate: MatchOffer, applyingSupports: Set<String>,
                         today: CalendarDate) -> [ConstraintFailure] {
        failures(participant, candidate, today: today, applyingSupports: { applyingSupports })
    }

    /// Every constraint the pair fails; `applyingSupports` is asked only when the offer stands on a support.
    public func failures(_ participant: Participant, _ candidate: MatchOffer, today: CalendarDate,
                         applyingSupports: () -> Set<String>) -> [ConstraintFailure] {
        failures(PreparedParticipant(participant, today: today, constraints: self), PreparedOffer(candidate),
                 applyingSupports: applyingSupports).list
    }

    /// Every constraint a prepared pair fails, except `support`: the checks that cost no more than a
    /// few comparisons each.
    func failuresBesideSupport(_ person: PreparedParticipant, _ offer: PreparedOffer) -> ConstraintFailures {
        var failures: ConstraintFailures = []
        if !person.consents { failures.insert(.init(.noConsent)) }
        if !person.seeking { failures.insert(.init(.notSeeking)) }
        if !offer.open { failures.insert(.init(.offerNotOpen)) }
        if !offer.hasPositions { failures.insert(.init(.noPositionsLeft)) }
        if offer.hoursMin > person.hoursPerWeek && !offer.stepByStepStart { failures.insert(.init(.hours)) }
        if !offer.remote && distanceKm(person, offer) > person.maxCommuteKm { failures.insert(.init(.commute)) }
        for need in offer.requiredLanguages where (person.languageRank(need.language) ?? -1) < need.rank {
            failures.insert(.init(.language))
            break
        }
        if !person.needs.isSubset(of: offer.adaptations) { failures.insert(.init(.adaptation)) }
        if person.needsHandledare && !offer.handledare { failures.insert(.init(.handledare)) }
        if let earliest = person.earliestOfferStart, earliest > offer.startDate { failures.insert(.init(.startDate)) }
        if person.excludes(offer) {
            failures.insert(.init(.excluded))
        }
        return failures
    }

    /// Every constraint a prepared pair fails. Evaluating supports costs more than every other
    /// constraint together, so `applyingSupports` is asked only when the offer stands on a support.
    func failures(_ person: PreparedParticipant, _ offer: PreparedOffer, applyingSupports: () -> Set<String>) -> ConstraintFailures {
        var failures = failuresBesideSupport(person, offer)
        if !offer.neededSupports.isEmpty && !offer.neededSupports.isSubset(of: applyingSupports()) {
            failures.insert(.init(.support))
        }
        return failures
    }

    /// The commute distance: great-circle distance times the detour factor.
    public func distanceKm(_ participant: Participant, _ candidate: MatchOffer) -> Double {
        GreatCircle.kilometres(participant.fields.homeLatitude, participant.fields.homeLongitude,
                               candidate.offer.fields.workplaceLatitude, candidate.offer.fields.workplaceLongitude) * detourFactor
    }

    /// The same for a prepared pair, with the cosines worked out beforehand.
    func distanceKm(_ person: PreparedParticipant, _ offer: PreparedOffer) -> Double {
        GreatCircle.kilometres(person.latitude, person.longitude, offer.latitude, offer.longitude,
                               cosines: person.cosLatitude * offer.cosLatitude) * detourFactor
    }

    /// The longest commute in km: the shorter of the participant's km and minutes, else the default.
    public func maxCommuteKm(_ person: ParticipantFields) -> Double {
        let limits = [person.maxCommuteKm.map(Double.init), person.maxCommuteMinutes.map { Double($0) * commuteSpeedKmh / 60 }]
            .compactMap { $0 }
        return limits.min() ?? defaultMaxCommuteKm
    }
}

/// Distances on the earth's surface.
public enum GreatCircle {
    /// Degrees to radians.
    static let radians = Double.pi / 180

    /// The haversine distance in km between two WGS 84 coordinates.
    public static func kilometres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        kilometres(lat1, lon1, lat2, lon2, cosines: cos(lat1 * radians) * cos(lat2 * radians))
    }

    /// The same, given the product of the two latitudes' cosines.
    static func kilometres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double, cosines: Double) -> Double {
        let dLat = (lat2 - lat1) * radians
        let dLon = (lon2 - lon1) * radians
        let a = sin(dLat / 2) * sin(dLat / 2) + cosines * sin(dLon / 2) * sin(dLon / 2)
        return 6371.0088 * 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
    }
}
