import Foundation

/// Something that happened that people should hear of: a row of the `events` outbox, written in
/// the transaction of the change itself, naming ids only (never a profile).
public struct Event: Sendable, Hashable {
    /// What happened.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A matching job proposed new suggestions for one participant (one event per job and participant).
        case suggestionsNew = "suggestions.new"
        /// An employer opened an offer.
        case offerOpened = "offer.opened"
        /// An employer changed an offer.
        case offerChanged = "offer.changed"
        /// A coordinator presented a candidate to the employer.
        case candidatePresented = "candidate.presented"
        /// The employer answered about a candidate.
        case employerAnswered = "employer.answered"
        /// A placement was recorded.
        case placementStarted = "placement.started"
        /// A placement ended, with its outcome.
        case placementEnded = "placement.ended"
        /// A follow-along contact falls due today.
        case checkInDue = "check_in.due"
        /// A follow-along contact is past due and not recorded.
        case checkInOverdue = "check_in.overdue"
        /// A contact was recorded with the placement at risk.
        case checkInAtRisk = "check_in.at_risk"
        /// A webhook endpoint was disabled after failing for a day, or on its receiver's 410.
        case webhookDisabled = "webhook.disabled"

        /// Whether the employer's users hear of it (else the coordinators do).
        var toEmployer: Bool { self == .candidatePresented }
    }

    /// What happened.
    public var kind: Kind
    /// The suggestion it concerns.
    public var suggestionID: UUID?
    /// The suggestions it concerns (`suggestions.new`).
    public var suggestionIDs: [UUID]
    /// The participant it concerns.
    public var participantID: UUID?
    /// The offer it concerns.
    public var offerID: UUID?
    /// The employer it concerns.
    public var employerID: UUID?
    /// The placement it concerns.
    public var placementID: UUID?
    /// The follow-along contact it concerns.
    public var checkInID: UUID?
    /// The webhook endpoint it concerns.
    public var webhookID: UUID?

    /// An event of `kind` about these ids.
    public init(_ kind: Kind, suggestionID: UUID? = nil, suggestionIDs: [UUID] = [], participantID: UUID? = nil,
                offerID: UUID? = nil, employerID: UUID? = nil, placementID: UUID? = nil, checkInID: UUID? = nil,
                webhookID: UUID? = nil) {
        self.kind = kind
        self.suggestionID = suggestionID
        self.suggestionIDs = suggestionIDs
        self.participantID = participantID
        self.offerID = offerID
        self.employerID = employerID
        self.placementID = placementID
        self.checkInID = checkInID
        self.webhookID = webhookID
    }
}

/// The outbox. Events are written only through `append`, in the transaction of their change, so an
/// event exists exactly when its change committed. Recipients are resolved at write time:
///
/// - coordinator events go to the participant's responsible coordinator, else to the responsible
///   coordinators of the employers concerned, else to every active coordinator of the förbund;
/// - employer events go to the employer's active users.
///
/// Each append also enqueues `notify.dispatch` for the förbund in the same transaction; the
/// dispatcher (`InboxDispatcher`) selects `dispatched_at IS NULL … FOR UPDATE SKIP LOCKED` and sets
/// `dispatched_at` in the transaction that writes the inbox entries. Dispatched events are pruned
/// after `retention`.
public struct EventLog: Sendable {
    /// How long dispatched events are kept.
    public static let retention: Duration = .seconds(30 * 24 * 3600)

    /// A log.
    public init() {}

    /// Writes `events` of `forbundID`, each with its recipients, in one statement in the caller's transaction.
    public func append(_ events: [Event], forbundID: UUID, in transaction: PostgresTransaction) async throws {
        guard !events.isEmpty else { return }
        func ids(_ id: UUID?) -> String { id?.uuidString.lowercased() ?? "" }
        try await transaction.execute("""
            INSERT INTO events (forbund_id, type, suggestion_id, suggestion_ids, participant_id, offer_id, employer_id, placement_id,
                                check_in_id, webhook_id, recipients)
            SELECT \(forbundID), e.type, e.suggestion_id, e.suggestion_ids, e.participant_id, e.offer_id, e.employer_id, e.placement_id,
                   e.check_in_id, e.webhook_id, r.recipients
            FROM (
                SELECT type, NULLIF(s, '')::uuid AS suggestion_id, coalesce(string_to_array(NULLIF(ss, ''), ',')::uuid[], '{}') AS suggestion_ids,
                       NULLIF(p, '')::uuid AS participant_id, NULLIF(o, '')::uuid AS offer_id, NULLIF(em, '')::uuid AS employer_id,
                       NULLIF(pl, '')::uuid AS placement_id, NULLIF(ci, '')::uuid AS check_in_id, NULLIF(wh, '')::uuid AS webhook_id, n
                FROM unnest(\(events.map(\.kind.rawValue))::text[], \(events.map { ids($0.suggestionID) })::text[],
                            \(events.map { $0.suggestionIDs.map { $0.uuidString.lowercased() }.joined(separator: ",") })::text[],
                            \(events.map { ids($0.participantID) })::text[], \(events.map { ids($0.offerID) })::text[],
                            \(events.map { ids($0.employerID) })::text[], \(events.map { ids($0.placementID) })::text[],
                            \(events.map { ids($0.checkInID) })::text[], \(events.map { ids($0.webhookID) })::text[])
                     WITH ORDINALITY AS u(type, s, ss, p, o, em, pl, ci, wh, n)
            ) e
            CROSS JOIN LATERAL (SELECT \(Self.recipients(forbundID)) AS recipients) r
            ORDER BY e.n
            """)
        // Delivered into the inboxes by a job of the same transaction: an event exists exactly
        // when its dispatch is due.
        try await NotifyDispatchJob.enqueue(forbundID: forbundID, in: transaction)
    }

    /// Writes one event.
    public func append(_ event: Event, forbundID: UUID, in transaction: PostgresTransaction) async throws {
        try await append([event], forbundID: forbundID, in: transaction)
    }

    /// The recipients of event row `e`, as a uuid[] (empty when nobody is there to hear it).
    static func recipients(_ forbundID: UUID) -> PostgresQuery {
        """
        CASE WHEN e.type IN (\(PostgresQuery(unsafeSQL: Event.Kind.allCases.filter(\.toEmployer).map { "'\($0.rawValue)'" }.joined(separator: ", "))))
        THEN coalesce((SELECT array_agg(u.id ORDER BY u.id) FROM users u
                       WHERE u.forbund_id = \(forbundID) AND u.kind = 'employer' AND u.active AND u.employer_id = e.employer_id), '{}')
        ELSE coalesce(
            (SELECT array_agg(u.id) FROM participants p
             JOIN users u ON u.forbund_id = p.forbund_id AND u.id = p.responsible_coordinator_id AND u.active
             WHERE p.forbund_id = \(forbundID) AND p.id = e.participant_id),
            (SELECT array_agg(DISTINCT u.id) FROM employers em
             JOIN users u ON u.forbund_id = em.forbund_id AND u.id = em.responsible_coordinator_id AND u.active
             WHERE em.forbund_id = \(forbundID) AND (em.id = e.employer_id OR em.id IN (
                 SELECT o.employer_id FROM placement_offers o WHERE o.forbund_id = \(forbundID) AND (o.id = e.offer_id OR o.id IN (
                     SELECT s.offer_id FROM suggestions s WHERE s.forbund_id = \(forbundID) AND s.id = ANY(e.suggestion_ids)))))),
            (SELECT array_agg(u.id ORDER BY u.id) FROM users u
             WHERE u.forbund_id = \(forbundID) AND u.kind = 'coordinator' AND u.active),
            '{}')
        END
        """
    }

    /// Deletes the events that were dispatched longer than `retention` ago; returns how many.
    public func prune(olderThan retention: Duration = EventLog.retention, on connection: PostgresConnection) async throws -> Int {
        try await connection.execute("""
            DELETE FROM events WHERE dispatched_at < now() - make_interval(secs => \(retention.inSeconds))
            """)
    }
}
