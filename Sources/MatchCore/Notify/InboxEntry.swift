import Foundation

/// One entry of a user's inbox: an event as its recipient reads it, with a short text in their
/// language and the ids and API paths of what it concerns. An employer user's entry names the
/// candidate (the suggestion's id) and never the participant or their case reference.
public struct InboxEntry: Sendable, Encodable {
    /// A link to what the entry concerns.
    public struct Link: Sendable, Encodable, Hashable {
        /// What it is: `suggestion`, `candidate`, `offer`, `placement`, `check_in`.
        public var rel: String
        /// Its API path.
        public var path: String
        /// The path under `[http] public_url`, when one is configured.
        public var url: String?

        enum CodingKeys: String, CodingKey { case rel, path, url }

        /// Encodes every field, an absent URL as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rel, forKey: .rel)
            try c.encode(path, forKey: .path)
            try c.encode(url, forKey: .url)
        }
    }

    /// Its id (for `POST /v1/inbox/{entry_id}/read`).
    public var id: UUID
    /// Its number among the user's entries: the live stream's event id.
    public var sequence: Int64
    /// The event's type (`offer.opened`, `suggestions.new`, …).
    public var type: String
    /// The preference category the type belongs to.
    public var category: NotificationCategory
    /// When the event happened.
    public var createdAt: Date
    /// When the user marked it read.
    public var readAt: Date?
    /// The text, in the user's language.
    public var text: String
    /// The suggestion (coordinators).
    public var suggestionID: UUID?
    /// The suggestions (`suggestions.new`, coordinators).
    public var suggestionIDs: [UUID]
    /// The candidate (employer users: the suggestion's id).
    public var candidateID: UUID?
    /// The offer.
    public var offerID: UUID?
    /// The placement (coordinators).
    public var placementID: UUID?
    /// The follow-along contact (coordinators).
    public var checkInID: UUID?
    /// The webhook endpoint (coordinators).
    public var webhookID: UUID?
    /// Links to each of them.
    public var links: [Link]

    enum CodingKeys: String, CodingKey {
        case id, sequence, type, category, createdAt = "created_at", readAt = "read_at", text, suggestionID = "suggestion_id"
        case suggestionIDs = "suggestion_ids", candidateID = "candidate_id", offerID = "offer_id", placementID = "placement_id"
        case checkInID = "check_in_id", webhookID = "webhook_id", links
    }

    /// Encodes every field, absent ones as null and ids in lower case.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeID(id, forKey: .id)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(type, forKey: .type)
        try c.encode(category, forKey: .category)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(readAt, forKey: .readAt)
        try c.encode(text, forKey: .text)
        try c.encodeID(suggestionID, forKey: .suggestionID)
        try c.encode(suggestionIDs.map { $0.uuidString.lowercased() }, forKey: .suggestionIDs)
        try c.encodeID(candidateID, forKey: .candidateID)
        try c.encodeID(offerID, forKey: .offerID)
        try c.encodeID(placementID, forKey: .placementID)
        try c.encodeID(checkInID, forKey: .checkInID)
        try c.encodeID(webhookID, forKey: .webhookID)
        try c.encode(links, forKey: .links)
    }
}

/// What a user sets notifications for: the event types grouped as people think of them.
public enum NotificationCategory: String, Sendable, Codable, CaseIterable {
    /// New suggestions for the user's participants.
    case suggestions
    /// Offers opened or changed by employers.
    case offers
    /// Candidates presented, and employers' answers.
    case candidates
    /// Placements started and ended.
    case placements
    /// Follow-along contacts due, overdue or at risk.
    case followAlong = "follow_along"
    /// Webhook endpoints disabled for failing.
    case integrations

    /// The category of an event type.
    public init(_ kind: Event.Kind) {
        switch kind {
        case .suggestionsNew: self = .suggestions
        case .offerOpened, .offerChanged: self = .offers
        case .candidatePresented, .employerAnswered: self = .candidates
        case .placementStarted, .placementEnded: self = .placements
        case .checkInDue, .checkInOverdue, .checkInAtRisk: self = .followAlong
        case .webhookDisabled: self = .integrations
        }
    }
}
