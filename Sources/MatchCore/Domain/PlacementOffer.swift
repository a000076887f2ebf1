import Foundation

/// A placement offer (behov) an employer registers: a work training place, work experience, or
/// a job with or without a wage subsidy.
public struct PlacementOffer: Sendable, Encodable, Hashable {
    /// The förbund.
    public var forbundID: UUID
    /// Its id.
    public var id: UUID
    /// The employer offering it.
    public var employerID: UUID
    /// The fields the employer or coordinator sets.
    public var fields: OfferFields
    /// Where it is in its life.
    public var status: OfferStatus
    /// Counts changes; the API's ETag.
    public var version: Int
    /// When it was registered.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case forbundID = "forbund_id", id, employerID = "employer_id", status, version, createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Encodes the fields beside the identity, as one flat object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeID(forbundID, forKey: .forbundID)
        try container.encodeID(id, forKey: .id)
        try container.encodeID(employerID, forKey: .employerID)
        try container.encode(status, forKey: .status)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try fields.encode(to: encoder)
    }
}

/// The kinds of placement an employer can offer.
public enum PlacementType: String, Sendable, Codable, CaseIterable {
    /// Arbetsträning: unpaid, the participant keeps their benefit.
    case arbetstraning
    /// Praktik: work experience.
    case praktik
    /// Anställning med lönestöd or lönebidrag.
    case lonestod
    /// Nystartsjobb.
    case nystartsjobb
    /// Introduktionsjobb.
    case introduktionsjobb
    /// Skyddat arbete hos offentlig arbetsgivare.
    case osa
    /// Osubventionerad anställning.
    case osubventionerad
}

/// An offer's status: draft → open ⇄ paused, open → filled → open, and closed from anywhere.
public enum OfferStatus: String, Sendable, Codable, CaseIterable {
    /// Being written; not matched.
    case draft
    /// Open for suggestions.
    case open
    /// Not matched for now.
    case paused
    /// Every position is taken.
    case filled
    /// Ended; final.
    case closed

    /// The statuses this one may change to.
    public var next: Set<OfferStatus> {
        switch self {
        case .draft: [.open, .closed]
        case .open: [.paused, .filled, .closed]
        case .paused: [.open, .closed]
        case .filled: [.open, .closed]
        case .closed: []
        }
    }
}

/// How much an offer's working hours can move.
public enum ScheduleFlexibility: String, Sendable, Codable, CaseIterable {
    /// Set hours.
    case fixed
    /// Some room to move.
    case some
    /// The participant largely chooses.
    case flexible
}

/// A level of language skill, CEFR A1 to C2, plus mother tongue.
public enum LanguageLevel: String, Sendable, Codable, CaseIterable, Comparable {
    /// Beginner.
    case a1, a2, b1, b2, c1, c2
    /// First language.
    case native

    /// Orders levels from lowest to highest.
    public static func < (lhs: LanguageLevel, rhs: LanguageLevel) -> Bool {
        lhs.rank < rhs.rank
    }
}

/// A language at a level.
public struct LanguageSkill: Sendable, Codable, Hashable {
    /// ISO 639-1 code (`sv`, `en`, `ar`).
    public var language: String
    /// The level.
    public var level: LanguageLevel

    enum CodingKeys: String, CodingKey {
        case language, level
    }
}

/// The fields of an offer, checked.
public struct OfferFields: Sendable, Codable, Hashable {
    /// The kind of placement.
    public var type: PlacementType
    /// SSYK 2012 undergrupp, four digits.
    public var occupation: String
    /// Title.
    public var title: String
    /// Description.
    public var description: String
    /// Skills the work needs.
    public var requiredSkills: [String]
    /// Skills that help.
    public var wantedSkills: [String]
    /// Languages the work needs, at a level.
    public var requiredLanguages: [LanguageSkill]
    /// Fewest hours a week.
    public var hoursMin: Int
    /// Most hours a week.
    public var hoursMax: Int
    /// How much the hours can move.
    public var scheduleFlexibility: ScheduleFlexibility
    /// First day.
    public var startDate: CalendarDate
    /// Length in months; nil for open-ended.
    public var durationMonths: Int?
    /// Monthly wage in kronor before tax, where the placement is paid.
    public var monthlyWage: Int?
    /// The workplace's municipality.
    public var workplaceKommunkod: String
    /// The workplace's street address.
    public var workplaceAddress: String
    /// The workplace's latitude.
    public var workplaceLatitude: Double
    /// The workplace's longitude.
    public var workplaceLongitude: Double
    /// Whether the coordinate was given or taken from the municipality.
    public var workplaceCoordinateSource: CoordinateSource
    /// Whether some of the work can be done remotely.
    public var remotePossible: Bool
    /// Whether a handledare is available.
    public var handledareAvailable: Bool
    /// The handledare's hours a week for the participant.
    public var handledareHours: Int?
    /// The adaptations the workplace can give.
    public var adaptations: [Adaptation]
    /// How many people it can take.
    public var positions: Int
    /// Codes of the financial supports the employer counts on (`nystartsjobb`, `lonebidrag`).
    public var supportsCountedOn: [String]

    enum CodingKeys: String, CodingKey {
        case type, occupation, title, description, requiredSkills = "required_skills"
        case wantedSkills = "wanted_skills", requiredLanguages = "required_languages", hoursMin = "hours_min"
        case hoursMax = "hours_max", scheduleFlexibility = "schedule_flexibility", startDate = "start_date"
        case durationMonths = "duration_months", monthlyWage = "monthly_wage"
        case workplaceKommunkod = "workplace_kommunkod", workplaceAddress = "workplace_address"
        case workplaceLatitude = "workplace_latitude", workplaceLongitude = "workplace_longitude"
        case workplaceCoordinateSource = "workplace_coordinate_source", remotePossible = "remote_possible"
        case handledareAvailable = "handledare_available", handledareHours = "handledare_hours", adaptations
        case positions, supportsCountedOn = "supports_counted_on"
    }

    /// Encodes every field, an absent duration, wage or handledare time as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(occupation, forKey: .occupation)
        try c.encode(title, forKey: .title)
        try c.encode(description, forKey: .description)
        try c.encode(requiredSkills, forKey: .requiredSkills)
        try c.encode(wantedSkills, forKey: .wantedSkills)
        try c.encode(requiredLanguages, forKey: .requiredLanguages)
        try c.encode(hoursMin, forKey: .hoursMin)
        try c.encode(hoursMax, forKey: .hoursMax)
        try c.encode(scheduleFlexibility, forKey: .scheduleFlexibility)
        try c.encode(startDate, forKey: .startDate)
        try c.encode(durationMonths, forKey: .durationMonths)
        try c.encode(monthlyWage, forKey: .monthlyWage)
        try c.encode(workplaceKommunkod, forKey: .workplaceKommunkod)
        try c.encode(workplaceAddress, forKey: .workplaceAddress)
        try c.encode(workplaceLatitude, forKey: .workplaceLatitude)
        try c.encode(workplaceLongitude, forKey: .workplaceLongitude)
        try c.encode(workplaceCoordinateSource, forKey: .workplaceCoordinateSource)
        try c.encode(remotePossible, forKey: .remotePossible)
        try c.encode(handledareAvailable, forKey: .handledareAvailable)
        try c.encode(handledareHours, forKey: .handledareHours)
        try c.encode(adaptations, forKey: .adaptations)
        try c.encode(positions, forKey: .positions)
        try c.encode(supportsCountedOn, forKey: .supportsCountedOn)
    }
}
