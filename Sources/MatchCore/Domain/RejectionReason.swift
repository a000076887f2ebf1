/// Why a coordinator rejected a suggestion. Each reason concerns some facts of the participant
/// and the offer; the pair is suggested again only when one of those facts changes.
public enum RejectionReason: String, Sendable, Codable, CaseIterable {
    /// The hours do not fit.
    case hours
    /// The workplace is too far or hard to reach.
    case commute
    /// The language requirements do not fit.
    case language
    /// The workplace cannot give the adaptations needed.
    case adaptation
    /// The support of a handledare is not enough.
    case handledare
    /// The timing does not fit.
    case startDate = "start_date"
    /// The skills or experience do not fit the tasks.
    case skills
    /// The occupation is not what the participant wants.
    case occupation
    /// Anything else: any change to what matching reads of either side reopens the pair.
    case other

    /// The reason in Swedish.
    public var nameSv: String {
        switch self {
        case .hours: "Arbetstiden passar inte"
        case .commute: "Resvägen är för lång"
        case .language: "Språkkraven passar inte"
        case .adaptation: "Anpassningarna räcker inte"
        case .handledare: "Handledarstödet räcker inte"
        case .startDate: "Starttiden passar inte"
        case .skills: "Kompetensen passar inte uppgifterna"
        case .occupation: "Yrket är inte det deltagaren vill"
        case .other: "Annat skäl"
        }
    }

    /// The reason in English.
    public var nameEn: String {
        switch self {
        case .hours: "The hours do not fit"
        case .commute: "The commute is too long"
        case .language: "The language requirements do not fit"
        case .adaptation: "The adaptations are not enough"
        case .handledare: "The handledare support is not enough"
        case .startDate: "The start does not fit"
        case .skills: "The skills do not fit the tasks"
        case .occupation: "Not the occupation the participant wants"
        case .other: "Another reason"
        }
    }
}
