import Foundation

/// Rejections: a coordinator's or employer's "no" to a pair, with the reason code and a snapshot
/// of the facts it concerned. Matching leaves a rejected pair out until one of those facts changes; then the
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

    /// The facts of the pair that `reason` concerns, as they are now: kept with a rejection
    /// (`SuggestionReview.reject`). An internal read, not shown to anyone: the rejection that
    /// stores it is the audited write.
    func facts(_ reason: RejectionReason, forbundID: UUID, participantID: UUID, offerID: UUID,
               in transaction: PostgresTransaction) async throws -> [String: String] {
        guard let participant = try await ParticipantStore().load(forbundID: forbundID, id: participantID, on: transaction.connection),
              let offer = try await OfferStore().get(AccessScope(forbundID: forbundID), id: offerID, on: transaction.connection)
        else { throw StoreError.notFound }
        return RejectionSnapshot.facts(reason, participant: participant, offer: offer)
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
