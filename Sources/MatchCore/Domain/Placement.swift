import Foundation

/// How a placement ended.
public enum PlacementOutcome: String, Sendable, Codable, CaseIterable {
    /// Went on to a job without a subsidy.
    case employmentUnsubsidised = "employment_unsubsidised"
    /// Went on to a subsidised job.
    case employmentSubsidised = "employment_subsidised"
    /// Went on to studies.
    case studies
    /// Went on to another activity (another programme, a course).
    case otherActivity = "other_activity"
    /// Stopped before the planned end.
    case droppedOut = "dropped_out"
    /// Moved away.
    case moved
    /// Anything else.
    case other
}

/// A placement: a participant started at an offer after the employer said yes. Its active rows (not
/// ended) are the offer's positions taken; all of them but those that ended `dropped_out` are its
/// employer's successful placements (`PlacementStore`).
public struct Placement: Sendable, Encodable {
    /// A support applied for, as the pair's verdict stood the day the placement was recorded.
    public struct AppliedSupport: Sendable, Codable, Hashable {
        /// The support's code.
        public var code: String
        /// Its Swedish name.
        public var nameSv: String
        /// Its English name.
        public var nameEn: String
        /// The estimated amount a month, if the catalog gives one.
        public var estimatedMonthlyAmount: Int?
        /// The catalog version the estimate used (its first day).
        public var versionValidFrom: CalendarDate

        enum CodingKeys: String, CodingKey {
            case code, nameSv = "name_sv", nameEn = "name_en", estimatedMonthlyAmount = "estimated_monthly_amount"
            case versionValidFrom = "version_valid_from"
        }

        /// The support as `verdict` gives it.
        init(_ verdict: SupportEvaluator.Verdict) {
            code = verdict.code
            nameSv = verdict.nameSv
            nameEn = verdict.nameEn
            estimatedMonthlyAmount = verdict.estimatedMonthlyAmount
            versionValidFrom = verdict.versionValidFrom
        }

        /// Encodes every field, an unknown amount as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code)
            try c.encode(nameSv, forKey: .nameSv)
            try c.encode(nameEn, forKey: .nameEn)
            try c.encode(estimatedMonthlyAmount, forKey: .estimatedMonthlyAmount)
            try c.encode(versionValidFrom, forKey: .versionValidFrom)
        }
    }

    /// Its id.
    public var id: UUID
    /// The suggestion it started from.
    public var suggestionID: UUID
    /// The participant placed.
    public var participantID: UUID
    /// The offer.
    public var offerID: UUID
    /// The offer's employer.
    public var employerID: UUID
    /// The placement's type (the offer's, unless the coordinator said otherwise).
    public var type: PlacementType
    /// The first day.
    public var startDate: CalendarDate
    /// The planned last day, if any.
    public var endDate: CalendarDate?
    /// Hours a week.
    public var hoursPerWeek: Int
    /// The supports applied for.
    public var supports: [AppliedSupport]
    /// The handledare at the workplace.
    public var handledareName: String
    /// How to reach the handledare (phone or e-mail).
    public var handledareContact: String
    /// Whether the participant goes on seeking (a work training placement on the way to a job).
    public var keepsSeeking: Bool
    /// The coordinator's note.
    public var note: String?
    /// Whether it still takes its position (not ended).
    public var active: Bool { endedOn == nil }
    /// The day it ended.
    public var endedOn: CalendarDate?
    /// How it ended.
    public var outcome: PlacementOutcome?
    /// The note on its end.
    public var endNote: String?
    /// The day the coordinator ended the follow-along.
    public var followAlongEndedOn: CalendarDate?
    /// Counts changes: the ETag.
    public var version: Int
    /// When it was recorded.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, suggestionID = "suggestion_id", participantID = "participant_id", offerID = "offer_id"
        case employerID = "employer_id", type, startDate = "start_date", endDate = "end_date", hoursPerWeek = "hours_per_week"
        case supports, handledareName = "handledare_name", handledareContact = "handledare_contact"
        case keepsSeeking = "keeps_seeking", note, active, endedOn = "ended_on", outcome, endNote = "end_note"
        case followAlongEndedOn = "follow_along_ended_on", version, createdAt = "created_at", updatedAt = "updated_at"
    }

    /// Encodes every field, absent ones as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeID(id, forKey: .id)
        try c.encodeID(suggestionID, forKey: .suggestionID)
        try c.encodeID(participantID, forKey: .participantID)
        try c.encodeID(offerID, forKey: .offerID)
        try c.encodeID(employerID, forKey: .employerID)
        try c.encode(type, forKey: .type)
        try c.encode(startDate, forKey: .startDate)
        try c.encode(endDate, forKey: .endDate)
        try c.encode(hoursPerWeek, forKey: .hoursPerWeek)
        try c.encode(supports, forKey: .supports)
        try c.encode(handledareName, forKey: .handledareName)
        try c.encode(handledareContact, forKey: .handledareContact)
        try c.encode(keepsSeeking, forKey: .keepsSeeking)
        try c.encode(note, forKey: .note)
        try c.encode(active, forKey: .active)
        try c.encode(endedOn, forKey: .endedOn)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(endNote, forKey: .endNote)
        try c.encode(followAlongEndedOn, forKey: .followAlongEndedOn)
        try c.encode(version, forKey: .version)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}
