import Foundation

/// The data subject's rights: access (everything stored about one participant) and erasure
/// (everything removed but the anonymous statistics and the audit log's record of ids).
public struct ParticipantPrivacy: Sendable {
    /// Everything stored about one participant.
    public struct Export: Sendable, Encodable {
        /// The participant with consents.
        public var participant: Participant
        /// Who read or changed the record, when and why.
        public var accessLog: [AccessEntry]
        /// Jobs that name the participant.
        public var jobs: [JobEntry]
        /// Every suggestion of the participant, with scores, reasons and any rejection's facts.
        public var suggestions: [SuggestionStore.Stored]
        /// How each suggestion's state changed, by whom, with their notes.
        public var suggestionHistory: [SuggestionHistoryEntry]
        /// The events written about the participant (ids and recipients only).
        public var events: [EventEntry]
        /// The participant's placements, with their outcomes and notes.
        public var placements: [Placement]
        /// The follow-along check-ins of those placements, with their notes.
        public var checkIns: [CheckIn]
        /// The inbox entries that name the participant: whose, of what type, when, whether read.
        public var inboxEntries: [InboxEntryRecord]
        /// The email digests that listed an event about the participant: to whom, when sent.
        public var digests: [DigestRecord]
        /// The webhook deliveries of events about the participant: to which endpoint, their state.
        public var webhookDeliveries: [WebhookDeliveryRecord]
        /// When the export was made.
        public var exportedAt: Date

        enum CodingKeys: String, CodingKey {
            case participant, accessLog = "access_log", jobs, suggestions, suggestionHistory = "suggestion_history", events
            case placements, checkIns = "check_ins", inboxEntries = "inbox_entries", digests
            case webhookDeliveries = "webhook_deliveries", exportedAt = "exported_at"
        }
    }

    /// One event about the participant in an email digest.
    public struct DigestRecord: Sendable, Encodable {
        /// The digest.
        public var digestID: UUID
        /// Its recipient.
        public var userID: UUID
        /// The event's type.
        public var type: String
        /// When it was sent, if it was.
        public var sentAt: Date?

        enum CodingKeys: String, CodingKey { case digestID = "digest_id", userID = "user_id", type, sentAt = "sent_at" }

        /// Encodes ids in lower case, an unsent digest's time as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeID(digestID, forKey: .digestID)
            try c.encodeID(userID, forKey: .userID)
            try c.encode(type, forKey: .type)
            try c.encode(sentAt, forKey: .sentAt)
        }
    }

    /// One webhook delivery of an event about the participant.
    public struct WebhookDeliveryRecord: Sendable, Encodable {
        /// The delivery's `webhook-id`.
        public var id: String
        /// The endpoint.
        public var webhookID: UUID
        /// The event's type.
        public var type: String
        /// pending, delivered or failed.
        public var state: String
        /// When it was queued.
        public var createdAt: Date

        enum CodingKeys: String, CodingKey { case id, webhookID = "webhook_id", type, state, createdAt = "created_at" }

        /// Encodes the endpoint's id in lower case.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encodeID(webhookID, forKey: .webhookID)
            try c.encode(type, forKey: .type)
            try c.encode(state, forKey: .state)
            try c.encode(createdAt, forKey: .createdAt)
        }
    }

    /// One audit entry about the participant or one of their suggestions.
    public struct AccessEntry: Sendable, Encodable {
        /// When.
        public var at: Date
        /// Who.
        public var actor: String
        /// What.
        public var action: String
        /// Of what: `participant`, `suggestion` (a step of the review), `placement` or `check_in`.
        public var entity: String
        /// Why.
        public var reason: String?
    }

    /// One event about the participant.
    public struct EventEntry: Sendable, Encodable {
        /// Its type.
        public var type: String
        /// The user ids it was for.
        public var recipients: [UUID]
        /// When.
        public var createdAt: Date

        enum CodingKeys: String, CodingKey { case type, recipients, createdAt = "created_at" }

        /// Encodes the ids in lower case.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            try c.encode(recipients.map { $0.uuidString.lowercased() }, forKey: .recipients)
            try c.encode(createdAt, forKey: .createdAt)
        }
    }

    /// One inbox entry that names the participant.
    public struct InboxEntryRecord: Sendable, Encodable {
        /// The user whose inbox it is in.
        public var userID: UUID
        /// The event's type.
        public var type: String
        /// When.
        public var createdAt: Date
        /// When the user read it.
        public var readAt: Date?

        enum CodingKeys: String, CodingKey { case userID = "user_id", type, createdAt = "created_at", readAt = "read_at" }

        /// Encodes the id in lower case, an unread entry's read time as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeID(userID, forKey: .userID)
            try c.encode(type, forKey: .type)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(readAt, forKey: .readAt)
        }
    }

    /// One job that names the participant.
    public struct JobEntry: Sendable, Encodable {
        /// The job's id.
        public var id: Int64
        /// Its kind.
        public var kind: String
        /// Its state.
        public var state: String
        /// When it was created.
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, kind, state, createdAt = "created_at"
        }
    }

    /// One change of a suggestion's state: which suggestion, and the step as its history shows it.
    public struct SuggestionHistoryEntry: Sendable, Encodable {
        /// The suggestion.
        public var suggestionID: UUID
        /// The step: states, reason, note, actor and time.
        public var step: SuggestionReview.HistoryEntry

        enum CodingKeys: String, CodingKey { case suggestionID = "suggestion_id" }

        /// Encodes the id in lower case beside the step's fields, as one flat object.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeID(suggestionID, forKey: .suggestionID)
            try step.encode(to: encoder)
        }
    }

    /// A privacy service.
    public init() {}

    /// Everything stored about the participant with `caseReference`; the export is audited.
    public func export(forbundID: UUID, caseReference: String, by context: AuditContext,
                       in transaction: PostgresTransaction) async throws -> Export? {
        let store = ParticipantStore()
        let found = try await transaction.query("""
            SELECT id FROM participants WHERE forbund_id = \(forbundID) AND case_reference = \(caseReference)
            """)
        guard let id = try found.first?.decode(UUID.self, "id"),
              let participant = try await store.load(forbundID: forbundID, id: id, on: transaction.connection) else { return nil }
        let idText = id.uuidString.lowercased()
        let access = try await transaction.query("""
            SELECT at, actor, action, entity, reason FROM audit_log
            WHERE forbund_id = \(forbundID) AND ((entity = \(ParticipantStore.entity) AND entity_id = \(idText))
               OR (entity = \(SuggestionReview.entity) AND entity_id IN (
                   SELECT lower(s.id::text) FROM suggestions s WHERE s.forbund_id = \(forbundID) AND s.participant_id = \(id)))
               OR (entity = \(PlacementStore.entity) AND entity_id IN (
                   SELECT lower(pl.id::text) FROM placements pl WHERE pl.forbund_id = \(forbundID) AND pl.participant_id = \(id)))
               OR (entity = \(FollowAlongStore.entity) AND entity_id IN (
                   SELECT lower(c.id::text) FROM check_ins c JOIN placements pl ON pl.forbund_id = c.forbund_id AND pl.id = c.placement_id
                   WHERE pl.forbund_id = \(forbundID) AND pl.participant_id = \(id))))
            ORDER BY at, id
            """).map { row in
            AccessEntry(at: try row.decode(Date.self, "at"), actor: try row.decode(String.self, "actor"),
                        action: try row.decode(String.self, "action"), entity: try row.decode(String.self, "entity"),
                        reason: try row.decode(String?.self, "reason"))
        }
        let jobs = try await transaction.query("""
            SELECT id, kind, state::text AS state, created_at FROM jobs WHERE \(Self.mentions(idText)) ORDER BY id
            """).map { row in
            JobEntry(id: try row.decode(Int64.self, "id"), kind: try row.decode(String.self, "kind"),
                     state: try row.decode(String.self, "state"), createdAt: try row.decode(Date.self, "created_at"))
        }
        let suggestions = try await transaction.query("""
            SELECT \(SuggestionStore.columns) FROM suggestions s WHERE s.forbund_id = \(forbundID) AND s.participant_id = \(id)
            ORDER BY s.created_at, s.id
            """).map(SuggestionStore.stored)
        let history = try await transaction.query("""
            SELECT h.suggestion_id, h.from_state, h.to_state, h.reason, h.note, h.actor, h.at FROM suggestion_history h
            JOIN suggestions s ON s.forbund_id = h.forbund_id AND s.id = h.suggestion_id
            WHERE s.forbund_id = \(forbundID) AND s.participant_id = \(id) ORDER BY h.at, h.id
            """).map { row in
            SuggestionHistoryEntry(suggestionID: try row.decode(UUID.self, "suggestion_id"), step: try SuggestionReview.historyEntry(row))
        }
        let events = try await transaction.query("""
            SELECT type, recipients, created_at FROM events WHERE forbund_id = \(forbundID) AND participant_id = \(id) ORDER BY id
            """).map { row in
            EventEntry(type: try row.decode(String.self, "type"), recipients: try row.decode([UUID].self, "recipients"),
                       createdAt: try row.decode(Date.self, "created_at"))
        }
        let placements = try await transaction.query("""
            SELECT \(PlacementStore.columns) FROM placements pl WHERE pl.forbund_id = \(forbundID) AND pl.participant_id = \(id)
            ORDER BY pl.created_at, pl.id
            """).map(PlacementStore.placement)
        let checkIns = try await transaction.query("""
            SELECT \(FollowAlongStore.columns) FROM check_ins c JOIN placements pl ON pl.forbund_id = c.forbund_id AND pl.id = c.placement_id
            WHERE pl.forbund_id = \(forbundID) AND pl.participant_id = \(id) ORDER BY c.due_on, c.id
            """).map(FollowAlongStore.checkIn)
        let inbox = try await transaction.query("""
            SELECT user_id, type, created_at, read_at FROM inbox_entries WHERE forbund_id = \(forbundID) AND participant_id = \(id)
            ORDER BY created_at, user_id, sequence
            """).map { row in
            InboxEntryRecord(userID: try row.decode(UUID.self, "user_id"), type: try row.decode(String.self, "type"),
                             createdAt: try row.decode(Date.self, "created_at"), readAt: try row.decode(Date?.self, "read_at"))
        }
        let digests = try await transaction.query("""
            SELECT d.id, d.user_id, i.type, d.sent_at FROM digest_items i JOIN digests d ON d.forbund_id = i.forbund_id AND d.id = i.digest_id
            WHERE i.forbund_id = \(forbundID) AND i.participant_id = \(id) ORDER BY i.event_id, d.id
            """).map { row in
            DigestRecord(digestID: try row.decode(UUID.self, "id"), userID: try row.decode(UUID.self, "user_id"),
                         type: try row.decode(String.self, "type"), sentAt: try row.decode(Date?.self, "sent_at"))
        }
        let deliveries = try await transaction.query("""
            SELECT id, webhook_id, type, state, created_at FROM webhook_deliveries WHERE forbund_id = \(forbundID) AND participant_id = \(id)
            ORDER BY created_at, id
            """).map { row in
            WebhookDeliveryRecord(id: try row.decode(String.self, "id"), webhookID: try row.decode(UUID.self, "webhook_id"),
                                  type: try row.decode(String.self, "type"), state: try row.decode(String.self, "state"),
                                  createdAt: try row.decode(Date.self, "created_at"))
        }
        try await AuditLog().record(.export, entity: ParticipantStore.entity, ids: [id], forbundID: forbundID, context: context,
                                    in: transaction)
        return Export(participant: participant, accessLog: access, jobs: jobs, suggestions: suggestions, suggestionHistory: history,
                      events: events, placements: placements, checkIns: checkIns, inboxEntries: inbox, digests: digests,
                      webhookDeliveries: deliveries, exportedAt: Date())
    }

    /// Removes the participant everywhere: the record and its consents, their suggestions with
    /// their history and notes, their placements with their check-ins and notes, the events,
    /// inbox entries, digest lines and webhook deliveries about them, every job whose arguments or errors name them; the statistics rows (the participant's
    /// and each placement's) lose their link, and the participant's is marked erased. Returns the
    /// erased id (the audit log records the erasure by it), nil when there is no such participant.
    public func erase(forbundID: UUID, caseReference: String, by context: AuditContext,
                      in transaction: PostgresTransaction) async throws -> UUID? {
        // Deleting a placement changes what matching reads of its employer (migration 0011), which
        // locks the offer-index version row: taken before the participant, as placements take it.
        try await transaction.execute("SELECT 1 FROM offer_index_versions WHERE forbund_id = \(forbundID) FOR UPDATE")
        // The offers the participant held a place with are rematched: their places go to others.
        // The row is locked first, so a matching job that holds it finishes before the list is read.
        try await transaction.execute("""
            SELECT id FROM participants WHERE forbund_id = \(forbundID) AND case_reference = \(caseReference) FOR UPDATE
            """)
        let held = try await transaction.query("""
            SELECT DISTINCT s.offer_id FROM suggestions s JOIN participants p ON p.forbund_id = s.forbund_id AND p.id = s.participant_id
            WHERE p.forbund_id = \(forbundID) AND p.case_reference = \(caseReference) AND s.state = 'proposed'
            """).map { try $0.decode(UUID.self, "offer_id") }
        // Their placements go with them: their employers' positions and successes change.
        let employers = try await transaction.query("""
            SELECT DISTINCT pl.employer_id FROM placements pl JOIN participants p ON p.forbund_id = pl.forbund_id AND p.id = pl.participant_id
            WHERE p.forbund_id = \(forbundID) AND p.case_reference = \(caseReference) ORDER BY pl.employer_id
            """).map { try $0.decode(UUID.self, "employer_id") }
        let rows = try await transaction.query("""
            DELETE FROM participants WHERE forbund_id = \(forbundID) AND case_reference = \(caseReference)
            RETURNING id, statistics_id
            """)
        guard let row = rows.first else { return nil }
        let id = try row.decode(UUID.self, "id")
        try await MatchingJobs.enqueue(try held.map { try MatchingJobs.offer($0, forbundID: forbundID, meta: context.meta) },
                                       in: transaction)
        for employerID in employers {
            try await MatchingJobs.rematchOffers(ofEmployer: employerID, forbundID: forbundID, meta: context.meta, in: transaction)
        }
        try await transaction.execute("""
            UPDATE participant_statistics SET erased = true
            WHERE forbund_id = \(forbundID) AND id = \(try row.decode(UUID.self, "statistics_id"))
            """)
        try await transaction.execute("DELETE FROM jobs WHERE \(Self.mentions(id.uuidString.lowercased()))")
        try await transaction.execute("DELETE FROM events WHERE forbund_id = \(forbundID) AND participant_id = \(id)")
        try await transaction.execute("DELETE FROM inbox_entries WHERE forbund_id = \(forbundID) AND participant_id = \(id)")
        try await transaction.execute("DELETE FROM digest_items WHERE forbund_id = \(forbundID) AND participant_id = \(id)")
        try await transaction.execute("DELETE FROM webhook_deliveries WHERE forbund_id = \(forbundID) AND participant_id = \(id)")
        try await AuditLog().record(.erase, entity: ParticipantStore.entity, ids: [id], forbundID: forbundID, context: context,
                                    in: transaction)
        return id
    }

    /// Jobs whose arguments, metadata or errors contain the id.
    static func mentions(_ id: String) -> PostgresQuery {
        let pattern = "%" + id + "%"
        return "(args::text ILIKE \(pattern) OR meta::text ILIKE \(pattern) OR errors::text ILIKE \(pattern))"
    }
}
