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
    /// The participant said no.
    case participantDeclined = "participant_declined"
    /// The employer said no (its "not interested" after a presentation).
    case employerDeclined = "employer_declined"
    /// Not now: the timing is wrong for either side.
    case timing
    /// Anything else: any change to what matching reads of either side reopens the pair.
    case other

    /// Whether the reason names the facts it concerns; the others (`other`, the declines,
    /// `timing`) concern everything matching reads of either side.
    public var concernsNamedFacts: Bool {
        switch self {
        case .participantDeclined, .employerDeclined, .timing, .other: false
        default: true
        }
    }

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
        case .participantDeclined: "Deltagaren tackade nej"
        case .employerDeclined: "Arbetsgivaren tackade nej"
        case .timing: "Tidpunkten passar inte"
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
        case .participantDeclined: "The participant declined"
        case .employerDeclined: "The employer declined"
        case .timing: "The timing does not fit"
        case .other: "Another reason"
        }
    }
}
