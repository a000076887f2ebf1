/// A workplace adaptation, from one fixed vocabulary: an offer lists those it can give, a
/// participant the ones they need. Functional needs, never diagnoses.
public enum Adaptation: String, Sendable, Codable, CaseIterable, Hashable {
    /// Start with few hours and increase step by step.
    case stepByStepStart = "step_by_step_start"
    /// Hours that can move with the day.
    case flexibleHours = "flexible_hours"
    /// A calm place to work, away from noise and traffic.
    case quietWorkspace = "quiet_workspace"
    /// Step-free access, accessible toilet, room for a wheelchair.
    case physicalAccessibility = "physical_accessibility"
    /// Instructions in writing.
    case writtenInstructions = "written_instructions"
    /// Instructions with pictures (bildstöd).
    case visualInstructions = "visual_instructions"
    /// The same tasks and times every day.
    case fixedRoutines = "fixed_routines"
    /// Short breaks when needed.
    case frequentBreaks = "frequent_breaks"
    /// Ergonomic aids: chair, desk, lifting aids.
    case ergonomicAids = "ergonomic_aids"
    /// Support in Swedish at work: plain language, a colleague who explains.
    case languageSupport = "language_support"
    /// A hearing loop or other help for hearing.
    case hearingSupport = "hearing_support"
    /// Tasks without heavy lifting.
    case noHeavyLifting = "no_heavy_lifting"
    /// Working from home part of the time.
    case partlyRemote = "partly_remote"

    /// The name in Swedish, as the user interface shows it.
    public var nameSv: String {
        switch self {
        case .stepByStepStart: "Stegvis start"
        case .flexibleHours: "Flexibla arbetstider"
        case .quietWorkspace: "Lugn arbetsplats"
        case .physicalAccessibility: "Fysisk tillgänglighet"
        case .writtenInstructions: "Skriftliga instruktioner"
        case .visualInstructions: "Bildstöd"
        case .fixedRoutines: "Fasta rutiner"
        case .frequentBreaks: "Täta pauser"
        case .ergonomicAids: "Ergonomiska hjälpmedel"
        case .languageSupport: "Språkstöd på arbetsplatsen"
        case .hearingSupport: "Hörselstöd"
        case .noHeavyLifting: "Inga tunga lyft"
        case .partlyRemote: "Delvis distansarbete"
        }
    }
}
