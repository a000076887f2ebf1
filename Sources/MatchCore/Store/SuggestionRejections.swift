import Foundation

/// Rejections: a coordinator's "no" to a pair, with the reason code and a snapshot of the facts
/// it concerned. Matching leaves a rejected pair out until one of those facts changes; then the
/// pair competes again and, if it ranks, is proposed anew.
public struct SuggestionRejections: Sendable {
    /// A rejection as matching reads it.
    public struct Rejection: Sendable {
        /// The participant.
        public var participantID: UUID
        /// The offer.
        public var offerID: UUID
        /// The reason.
        public var reason: RejectionReason
        /// The facts as they were.
        public var facts: [String: String]
    }

    /// A store.
    public init() {}

    /// The states a coordinator can reject from.
    static let rejectable = ["proposed", "approved", "contacted"]

    /// Rejects the suggestion `id` for `reason`, recording the facts the reason concerns as they
    /// are now; the read of the participant's data is audited under `context`.
    public func reject(forbundID: UUID, id: UUID, reason: RejectionReason, by context: AuditContext,
                       in transaction: PostgresTransaction) async throws {
        guard let row = try await transaction.query("""
            SELECT participant_id, offer_id, state FROM suggestions WHERE forbund_id = \(forbundID) AND id = \(id) FOR UPDATE
            """).first else { throw StoreError.notFound }
        let state = try row.decode(String.self, "state")
        guard Self.rejectable.contains(state) else {
            var errors = FieldErrors()
            errors.add("/state", rule: "rejectable", "a suggestion that is \(state) cannot be rejected")
            throw StoreError.conflict(errors)
        }
        let participantID = try row.decode(UUID.self, "participant_id")
        guard let participant = try await ParticipantStore().get(forbundID: forbundID, id: participantID, by: context, in: transaction),
              let offer = try await OfferStore().get(AccessScope(forbundID: forbundID), id: try row.decode(UUID.self, "offer_id"),
                                                     on: transaction.connection)
        else { throw StoreError.notFound }
        let facts = RejectionSnapshot.facts(reason, participant: participant, offer: offer)
        try await transaction.execute("""
            WITH changed AS (
                UPDATE suggestions SET state = 'rejected', state_reason = \(reason.rawValue), recommended = false,
                       rejection_snapshot = \(PostgresJSONB(facts)), updated_at = now()
                WHERE forbund_id = \(forbundID) AND id = \(id) RETURNING id
            )
            INSERT INTO suggestion_history (forbund_id, suggestion_id, from_state, to_state, reason, actor)
            SELECT \(forbundID), id, \(state), 'rejected', \(reason.rawValue), \(context.actor) FROM changed
            """)
        // The pair gives up its places in both lists: both sides are rematched, so the next in
        // line of each gets them.
        let offerID = try row.decode(UUID.self, "offer_id")
        try await MatchingJobs.enqueue([try MatchingJobs.participant(participantID, forbundID: forbundID, meta: context.meta),
                                        try MatchingJobs.offer(offerID, forbundID: forbundID, meta: context.meta)], in: transaction)
    }

    /// The rejected pairs of one participant or one offer.
    public func list(forbundID: UUID, participantID: UUID? = nil, offerID: UUID? = nil,
                     on connection: PostgresConnection) async throws -> [Rejection] {
        var scope: PostgresQuery = "forbund_id = \(forbundID) AND state = 'rejected'"
        if let participantID { scope = "\(scope) AND participant_id = \(participantID)" }
        if let offerID { scope = "\(scope) AND offer_id = \(offerID)" }
        return try await connection.query("""
            SELECT participant_id, offer_id, state_reason, rejection_snapshot FROM suggestions WHERE \(scope)
            """).map { row in
            Rejection(participantID: try row.decode(UUID.self, "participant_id"), offerID: try row.decode(UUID.self, "offer_id"),
                      reason: RejectionReason(rawValue: try row.decode(String?.self, "state_reason") ?? "") ?? .other,
                      facts: try row.decode(PostgresJSONB<[String: String]>?.self, "rejection_snapshot")?.value ?? [:])
        }
    }
}

/// Which rejected pairs still hold and which have been reopened by a change.
public struct RejectionVerdicts: Sendable {
    /// The other side's ids whose rejection holds: left out of matching.
    public var excluded: Set<UUID> = []
    /// The other side's ids whose rejection no longer holds: they may be proposed again.
    public var reopened: Set<UUID> = []

    /// Sorts `rejections` by whether their facts changed; `current` gives the pair as it is now,
    /// nil when the other side is no longer matched (its rejection then simply stays).
    public init(_ rejections: [SuggestionRejections.Rejection], otherSide: (SuggestionRejections.Rejection) -> UUID,
                current: (SuggestionRejections.Rejection) -> (Participant, PlacementOffer)?) {
        for rejection in rejections {
            let other = otherSide(rejection)
            if let (participant, offer) = current(rejection),
               !RejectionSnapshot.stillHolds(rejection.reason, stored: rejection.facts, participant: participant, offer: offer) {
                reopened.insert(other)
            } else {
                excluded.insert(other)
            }
        }
    }
}
