import Foundation

/// A deltagare: a person far from the labour market, known here by the förbund's case reference.
/// Special-category data: functional needs, never diagnoses; every read and write is audited.
public struct Participant: Sendable, Encodable, Hashable {
    /// The förbund.
    public var forbundID: UUID
    /// Its id.
    public var id: UUID
    /// The fields a coordinator keeps.
    public var fields: ParticipantFields
    /// Consent records, oldest first.
    public var consents: [Consent]
    /// Counts changes; the API's ETag.
    public var version: Int
    /// When it was registered.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Whether a consent to matching is in force on `date`.
    public func consentsToMatching(on date: CalendarDate) -> Bool {
        consents.contains { $0.purpose == .matching && $0.isInForce(on: date) }
    }

    enum CodingKeys: String, CodingKey {
        case forbundID = "forbund_id", id, consents, version, createdAt = "created_at", updatedAt = "updated_at"
    }

    /// Encodes the fields beside the identity, as one flat object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeID(forbundID, forKey: .forbundID)
        try container.encodeID(id, forKey: .id)
        try container.encode(consents, forKey: .consents)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try fields.encode(to: encoder)
    }
}

/// A consent for one purpose, with when it was given and, if so, withdrawn.
public struct Consent: Sendable, Codable, Hashable {
    /// What the consent is for.
    public enum Purpose: String, Sendable, Codable, CaseIterable {
        /// To be matched with offers.
        case matching
        /// To have what the placement needs disclosed to an employer.
        case disclosureToEmployers = "disclosure_to_employers"
    }

    /// Its id.
    public var id: UUID
    /// The purpose.
    public var purpose: Purpose
    /// The day it was given.
    public var givenOn: CalendarDate
    /// The day it was withdrawn.
    public var withdrawnOn: CalendarDate?
    /// Who recorded it (the audit name).
    public var recordedBy: String

    /// Given by `date` and not withdrawn by then.
    public func isInForce(on date: CalendarDate) -> Bool {
        givenOn <= date && (withdrawnOn.map { $0 > date } ?? true)
    }

    enum CodingKeys: String, CodingKey { case id, purpose, givenOn = "given_on", withdrawnOn = "withdrawn_on", recordedBy = "recorded_by"}

    /// Encodes the id in lower case and an open withdrawal as null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeID(id, forKey: .id)
        try container.encode(purpose, forKey: .purpose)
        try container.encode(givenOn, forKey: .givenOn)
        try container.encode(withdrawnOn, forKey: .withdrawnOn)
        try container.encode(recordedBy, forKey: .recordedBy)
    }
}

/// Gender, for equality statistics only: never a matching or scoring feature.
public enum Gender: String, Sendable, Codable, CaseIterable {
    /// Kvinna.
    case kvinna
    /// Man.
    case man
    /// Annan.
    case annan
    /// Vill ej ange.
    case villEjAnge = "vill_ej_ange"
}

/// Years of experience in an occupation.
public struct Experience: Sendable, Codable, Hashable {
    /// SSYK 2012 code, 1 to 4 digits.
    public var occupation: String
    /// Years.
    public var years: Int

    enum CodingKeys: String, CodingKey {
        case occupation, years
    }
}

/// Competence gained outside work.
public struct InformalCompetence: Sendable, Codable, Hashable {
    /// Where it comes from.
    public enum Source: String, Sendable, Codable, CaseIterable {
        /// Voluntary work.
        case voluntaryWork = "voluntary_work"
        /// Caring for family.
        case familyCare = "family_care"
        /// A hobby.
        case hobby
        /// Anything else.
        case other
    }

    /// Where it comes from.
    public var source: Source
    /// In the person's own words.
    public var description: String

    enum CodingKeys: String, CodingKey {
        case source, description
    }
}

/// The facts the financial supports' rules read. Each is optional: an unknown fact makes a rule
/// that needs it fail with "unknown", never guess.
public struct SupportFacts: Sendable, Codable, Hashable {
    /// Year of birth (age is computed at the placement's start).
    public var birthYear: Int?
    /// Months without work in the last 9.
    public var monthsAwayLast9: Int?
    /// Months without work in the last 15.
    public var monthsAwayLast15: Int?
    /// Registered at Arbetsförmedlingen since.
    public var registeredAtAFSince: CalendarDate?
    /// In the jobb- och utvecklingsgarantin.
    public var inJobGuarantee: Bool?
    /// Has a disability that reduces work capacity.
    public var disabilityReducedCapacity: Bool?
    /// Assessed work capacity in percent.
    public var assessedCapacityPercent: Int?
    /// Nyanländ since (residence permit date).
    public var newArrivalSince: CalendarDate?
    /// Försäkringskassan has granted särskilt högriskskydd.
    public var hogriskskydd: Bool?

    /// No facts known.
    public init(birthYear: Int? = nil, monthsAwayLast9: Int? = nil, monthsAwayLast15: Int? = nil,
                registeredAtAFSince: CalendarDate? = nil, inJobGuarantee: Bool? = nil, disabilityReducedCapacity: Bool? = nil,
                assessedCapacityPercent: Int? = nil, newArrivalSince: CalendarDate? = nil, hogriskskydd: Bool? = nil) {
        self.birthYear = birthYear
        self.monthsAwayLast9 = monthsAwayLast9
        self.monthsAwayLast15 = monthsAwayLast15
        self.registeredAtAFSince = registeredAtAFSince
        self.inJobGuarantee = inJobGuarantee
        self.disabilityReducedCapacity = disabilityReducedCapacity
        self.assessedCapacityPercent = assessedCapacityPercent
        self.newArrivalSince = newArrivalSince
        self.hogriskskydd = hogriskskydd
    }

    enum CodingKeys: String, CodingKey {
        case birthYear = "birth_year", monthsAwayLast9 = "months_away_last_9"
        case monthsAwayLast15 = "months_away_last_15", registeredAtAFSince = "registered_at_af_since"
        case inJobGuarantee = "in_job_guarantee", disabilityReducedCapacity = "disability_reduced_capacity"
        case assessedCapacityPercent = "assessed_capacity_percent", newArrivalSince = "new_arrival_since", hogriskskydd
    }

    /// Encodes every fact, unknown ones as null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(birthYear, forKey: .birthYear)
        try container.encode(monthsAwayLast9, forKey: .monthsAwayLast9)
        try container.encode(monthsAwayLast15, forKey: .monthsAwayLast15)
        try container.encode(registeredAtAFSince, forKey: .registeredAtAFSince)
        try container.encode(inJobGuarantee, forKey: .inJobGuarantee)
        try container.encode(disabilityReducedCapacity, forKey: .disabilityReducedCapacity)
        try container.encode(assessedCapacityPercent, forKey: .assessedCapacityPercent)
        try container.encode(newArrivalSince, forKey: .newArrivalSince)
        try container.encode(hogriskskydd, forKey: .hogriskskydd)
    }
}

/// The fields of a participant, checked.
public struct ParticipantFields: Sendable, Codable, Hashable {
    /// The förbund's own case reference (unique in the förbund).
    public var caseReference: String
    /// The name, if the förbund records it.
    public var name: String?
    /// The coordinator who follows the person (continuity matters).
    public var responsibleCoordinatorID: UUID?
    /// Wants a job now.
    public var seeking: Bool
    /// Home municipality.
    public var homeKommunkod: String
    /// Home latitude (the municipality's when none is given).
    public var homeLatitude: Double
    /// Home longitude.
    public var homeLongitude: Double
    /// Whether the coordinate was given or taken from the municipality.
    public var homeCoordinateSource: CoordinateSource
    /// Longest commute in km.
    public var maxCommuteKm: Int?
    /// Longest commute in minutes.
    public var maxCommuteMinutes: Int?
    /// Occupations the person wishes for (SSYK, 1 to 4 digits).
    public var wishedOccupations: [String]
    /// Interests in the person's own words.
    public var interests: String
    /// Sectors the person does not want.
    public var excludedSectors: [EmployerSector]
    /// Employers the person does not want.
    public var excludedEmployerIDs: [UUID]
    /// Work experience.
    public var experience: [Experience]
    /// Skills.
    public var skills: [String]
    /// Competence from outside work.
    public var informalCompetence: [InformalCompetence]
    /// Languages and levels.
    public var languages: [LanguageSkill]
    /// Hours a week the person can work now.
    public var hoursPerWeek: Int
    /// The first day the person can start.
    public var availableFrom: CalendarDate?
    /// Adaptations the person needs (the offers' vocabulary).
    public var adaptationNeeds: [Adaptation]
    /// Needs a handledare at the workplace.
    public var needsHandledare: Bool
    /// What the supports' rules read.
    public var facts: SupportFacts
    /// For statistics only.
    public var gender: Gender

    enum CodingKeys: String, CodingKey {
        case caseReference = "case_reference", name, responsibleCoordinatorID = "responsible_coordinator_id"
        case seeking, homeKommunkod = "home_kommunkod", homeLatitude = "home_latitude"
        case homeLongitude = "home_longitude"
        case homeCoordinateSource = "home_coordinate_source", maxCommuteKm = "max_commute_km"
        case maxCommuteMinutes = "max_commute_minutes", wishedOccupations = "wished_occupations", interests
        case excludedSectors = "excluded_sectors"
        case excludedEmployerIDs = "excluded_employer_ids", experience, skills
        case informalCompetence = "informal_competence", languages, hoursPerWeek = "hours_per_week"
        case availableFrom = "available_from"
        case adaptationNeeds = "adaptation_needs", needsHandledare = "needs_handledare", facts, gender
    }

    /// Encodes every field; ids in lower case, absent values as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(caseReference, forKey: .caseReference)
        try c.encode(name, forKey: .name)
        try c.encodeID(responsibleCoordinatorID, forKey: .responsibleCoordinatorID)
        try c.encode(seeking, forKey: .seeking)
        try c.encode(homeKommunkod, forKey: .homeKommunkod)
        try c.encode(homeLatitude, forKey: .homeLatitude)
        try c.encode(homeLongitude, forKey: .homeLongitude)
        try c.encode(homeCoordinateSource, forKey: .homeCoordinateSource)
        try c.encode(maxCommuteKm, forKey: .maxCommuteKm)
        try c.encode(maxCommuteMinutes, forKey: .maxCommuteMinutes)
        try c.encode(wishedOccupations, forKey: .wishedOccupations)
        try c.encode(interests, forKey: .interests)
        try c.encode(excludedSectors, forKey: .excludedSectors)
        try c.encode(excludedEmployerIDs.map { $0.uuidString.lowercased() }, forKey: .excludedEmployerIDs)
        try c.encode(experience, forKey: .experience)
        try c.encode(skills, forKey: .skills)
        try c.encode(informalCompetence, forKey: .informalCompetence)
        try c.encode(languages, forKey: .languages)
        try c.encode(hoursPerWeek, forKey: .hoursPerWeek)
        try c.encode(availableFrom, forKey: .availableFrom)
        try c.encode(adaptationNeeds, forKey: .adaptationNeeds)
        try c.encode(needsHandledare, forKey: .needsHandledare)
        try c.encode(facts, forKey: .facts)
        try c.encode(gender, forKey: .gender)
    }
}
