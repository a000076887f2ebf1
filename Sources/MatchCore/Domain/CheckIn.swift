import Foundation

/// A follow-along contact: planned ahead, then recorded once.
public struct CheckIn: Sendable, Encodable {
    /// Where it stands.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Planned, not yet recorded.
        case pending
        /// Recorded.
        case done
        /// No longer needed: the placement ended or the follow-along did.
        case cancelled
    }

    /// Whom the coordinator spoke with.
    public enum Party: String, Sendable, Codable, CaseIterable {
        /// The participant.
        case participant
        /// The employer (the handledare).
        case employer
        /// Both.
        case both
    }

    /// How the placement goes.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Going well.
        case goingWell = "going_well"
        /// Needs more support.
        case needsSupport = "needs_support"
        /// At risk of ending: the coordinators hear of it at once.
        case atRisk = "at_risk"
    }

    /// Its id.
    public var id: UUID
    /// Its placement.
    public var placementID: UUID
    /// What it is for.
    public var kind: FollowAlongPlan.Kind
    /// When it is due.
    public var dueOn: CalendarDate
    /// Where it stands.
    public var state: State
    /// The day of the contact.
    public var doneOn: CalendarDate?
    /// With whom.
    public var withWhom: Party?
    /// How it goes.
    public var status: Status?
    /// The coordinator's note.
    public var note: String?
    /// Who recorded it.
    public var recordedBy: String?
    /// Counts changes: the ETag.
    public var version: Int

    enum CodingKeys: String, CodingKey {
        case id, placementID = "placement_id", kind, dueOn = "due_on", state, doneOn = "done_on", withWhom = "with_whom"
        case status, note, recordedBy = "recorded_by", version
    }

    /// Encodes every field, absent ones as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeID(id, forKey: .id)
        try c.encodeID(placementID, forKey: .placementID)
        try c.encode(kind, forKey: .kind)
        try c.encode(dueOn, forKey: .dueOn)
        try c.encode(state, forKey: .state)
        try c.encode(doneOn, forKey: .doneOn)
        try c.encode(withWhom, forKey: .withWhom)
        try c.encode(status, forKey: .status)
        try c.encode(note, forKey: .note)
        try c.encode(recordedBy, forKey: .recordedBy)
        try c.encode(version, forKey: .version)
    }
}
