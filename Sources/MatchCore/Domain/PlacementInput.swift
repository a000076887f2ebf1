import Foundation

/// The body of `POST /v1/suggestions/{id}/placement`, as sent: every field optional here so that
/// a missing one is reported by name with the others.
public struct PlacementInput: Sendable, Decodable {
    /// The first day (required).
    public var startDate: String?
    /// The placement type; the offer's when absent.
    public var type: String?
    /// Hours a week (required).
    public var hoursPerWeek: Int?
    /// Support codes applied for: a subset of the disclosed ones.
    public var supportsAppliedFor: [String]?
    /// The handledare's name (required).
    public var handledareName: String?
    /// How to reach the handledare (required).
    public var handledareContact: String?
    /// The planned last day, if any.
    public var endDate: String?
    /// Whether the participant goes on seeking; false when absent.
    public var keepsSeeking: Bool?
    /// A note.
    public var note: String?

    /// An input with these fields.
    public init(startDate: String? = nil, type: String? = nil, hoursPerWeek: Int? = nil, supportsAppliedFor: [String]? = nil,
                handledareName: String? = nil, handledareContact: String? = nil, endDate: String? = nil,
                keepsSeeking: Bool? = nil, note: String? = nil) {
        self.startDate = startDate
        self.type = type
        self.hoursPerWeek = hoursPerWeek
        self.supportsAppliedFor = supportsAppliedFor
        self.handledareName = handledareName
        self.handledareContact = handledareContact
        self.endDate = endDate
        self.keepsSeeking = keepsSeeking
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case startDate = "start_date", type, hoursPerWeek = "hours_per_week", supportsAppliedFor = "supports_applied_for"
        case handledareName = "handledare_name", handledareContact = "handledare_contact", endDate = "end_date"
        case keepsSeeking = "keeps_seeking", note
    }

    /// The checked input.
    public struct Checked: Sendable {
        /// The first day.
        public var startDate: CalendarDate
        /// The type, when the coordinator named one.
        public var type: PlacementType?
        /// Hours a week.
        public var hoursPerWeek: Int
        /// Support codes applied for, as given.
        public var supportsAppliedFor: [String]
        /// The handledare's name.
        public var handledareName: String
        /// How to reach the handledare.
        public var handledareContact: String
        /// The planned last day.
        public var endDate: CalendarDate?
        /// Whether the participant goes on seeking.
        public var keepsSeeking: Bool
        /// The note, nil when absent or empty.
        public var note: String?
    }

    /// Checks every field: a start date from 2000 (recorded late, it may lie in the past) to a
    /// year from `today`; 1 to 40 hours; at most 20 codes; a handledare's name and contact of at
    /// most 200 characters; an end on or after the start.
    public func validated(today: CalendarDate) throws(FieldErrors) -> Checked {
        var check = InputCheck()
        let start = check.date(startDate, "/start_date", required: true)
        if let start, start < CalendarDate(year: 2000, month: 1, day: 1)! || start > today.adding(days: 365) {
            check.errors.add("/start_date", rule: "range", "must be from 2000-01-01 to a year from today (\(today))")
        }
        let type = check.oneOf(type, "/type", as: PlacementType.self, required: false)
        let hours = check.integer(hoursPerWeek, "/hours_per_week", in: 1...40, required: true)
        let supports = check.texts(supportsAppliedFor, "/supports_applied_for", maxCount: 20, maxLength: 100)
        let name = check.text(handledareName, "/handledare_name", required: true)
        let contact = check.text(handledareContact, "/handledare_contact", required: true)
        let end = check.date(endDate, "/end_date")
        if let start, let end, end < start { check.errors.add("/end_date", rule: "after_start", "must be on or after start_date") }
        let note = check.text(note, "/note", maxLength: 2_000).flatMap { $0.isEmpty ? nil : $0 }
        try check.finish()
        return Checked(startDate: start!, type: type, hoursPerWeek: hours!, supportsAppliedFor: supports, handledareName: name!,
                       handledareContact: contact!, endDate: end, keepsSeeking: keepsSeeking ?? false, note: note)
    }
}

/// The body of `POST /v1/placements/{id}/end`.
public struct PlacementEndInput: Sendable, Decodable {
    /// The last day (required; not after today).
    public var endedOn: String?
    /// How it ended (required).
    public var outcome: String?
    /// A note on the end.
    public var endNote: String?
    /// Whether the participant seeks work again from now on; false when absent.
    public var resumeSeeking: Bool?

    /// An input with these fields.
    public init(endedOn: String? = nil, outcome: String? = nil, endNote: String? = nil, resumeSeeking: Bool? = nil) {
        self.endedOn = endedOn
        self.outcome = outcome
        self.endNote = endNote
        self.resumeSeeking = resumeSeeking
    }

    enum CodingKeys: String, CodingKey {
        case endedOn = "ended_on", outcome, endNote = "end_note", resumeSeeking = "resume_seeking"
    }

    /// The checked input.
    public struct Checked: Sendable {
        /// The last day.
        public var endedOn: CalendarDate
        /// How it ended.
        public var outcome: PlacementOutcome
        /// The note.
        public var note: String?
        /// Whether the participant seeks again.
        public var resumeSeeking: Bool
    }

    /// Checks every field; the end's date must not be after `today` (its start is checked by the store).
    public func validated(today: CalendarDate) throws(FieldErrors) -> Checked {
        var check = InputCheck()
        let ended = check.date(endedOn, "/ended_on", required: true)
        if let ended, ended > today { check.errors.add("/ended_on", rule: "not_future", "must not be after today (\(today))") }
        let outcome = check.oneOf(outcome, "/outcome", as: PlacementOutcome.self)
        let note = check.text(endNote, "/end_note", maxLength: 2_000).flatMap { $0.isEmpty ? nil : $0 }
        try check.finish()
        return Checked(endedOn: ended!, outcome: outcome!, note: note, resumeSeeking: resumeSeeking ?? false)
    }
}

/// The body of `POST /v1/placements/{id}/check-ins/{check_in_id}`: the contact made.
public struct CheckInInput: Sendable, Decodable {
    /// The day of the contact (required; not after today).
    public var doneOn: String?
    /// With whom (required).
    public var withWhom: String?
    /// How it goes (required).
    public var status: String?
    /// A note.
    public var note: String?

    /// An input with these fields.
    public init(doneOn: String? = nil, withWhom: String? = nil, status: String? = nil, note: String? = nil) {
        self.doneOn = doneOn
        self.withWhom = withWhom
        self.status = status
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case doneOn = "done_on", withWhom = "with_whom", status, note
    }

    /// The checked input.
    public struct Checked: Sendable {
        /// The day of the contact.
        public var doneOn: CalendarDate
        /// With whom.
        public var withWhom: CheckIn.Party
        /// How it goes.
        public var status: CheckIn.Status
        /// The note.
        public var note: String?
    }

    /// Checks every field; the contact's day must not be after `today`.
    public func validated(today: CalendarDate) throws(FieldErrors) -> Checked {
        var check = InputCheck()
        let done = check.date(doneOn, "/done_on", required: true)
        if let done, done > today { check.errors.add("/done_on", rule: "not_future", "must not be after today (\(today))") }
        let party = check.oneOf(withWhom, "/with_whom", as: CheckIn.Party.self)
        let status = check.oneOf(status, "/status", as: CheckIn.Status.self)
        let note = check.text(note, "/note", maxLength: 2_000).flatMap { $0.isEmpty ? nil : $0 }
        try check.finish()
        return Checked(doneOn: done!, withWhom: party!, status: status!, note: note)
    }
}

/// The body of `POST /v1/placements/{id}/follow-along/end`.
public struct FollowAlongEndInput: Sendable, Decodable {
    /// The day the follow-along ends; today when absent.
    public var endedOn: String?

    /// An input with this field.
    public init(endedOn: String? = nil) { self.endedOn = endedOn }

    enum CodingKeys: String, CodingKey { case endedOn = "ended_on" }

    /// The day, checked: not after `today`; `today` when absent.
    public func validated(today: CalendarDate) throws(FieldErrors) -> CalendarDate {
        var check = InputCheck()
        let ended = check.date(endedOn, "/ended_on")
        if let ended, ended > today { check.errors.add("/ended_on", rule: "not_future", "must not be after today (\(today))") }
        try check.finish()
        return ended ?? today
    }
}
