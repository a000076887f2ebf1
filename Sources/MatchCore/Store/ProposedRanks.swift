import Foundation

/// The top lists as the stored proposed rows give them. The rule of `MatchingRules.md` keeps every
/// pair of a participant's top N and of an offer's top M proposed, so among one side's proposed
/// rows the first k are exactly its top k (k ≤ N for a participant, k ≤ M for an offer): a job
/// that changes one side reads the other sides' standing here instead of rescoring them.
struct ProposedRanks: Sendable {
    /// The k-th best proposed row of one side, leaving one pair out.
    struct Kth: Sendable {
        /// The k-th best's key, as the side ranks it.
        var key: RankKey
        /// The k-th best's other side (the participant in an offer's list, the offer in a participant's).
        var other: UUID
    }

    /// For each offer in `offers`: the `k`-th best of its proposed rows other than `participantID`'s
    /// (absent when it has fewer than k others).
    func kthOfOffers(_ offers: [UUID], forbundID: UUID, except participantID: UUID, k: Int,
                     on connection: PostgresConnection) async throws -> [UUID: Kth] {
        guard !offers.isEmpty else { return [:] }
        let rows = try await connection.query("""
            SELECT offer_id, participant_id, score FROM (
                SELECT offer_id, participant_id, score,
                       row_number() OVER (PARTITION BY offer_id ORDER BY score DESC, participant_id) AS rank
                FROM suggestions
                WHERE forbund_id = \(forbundID) AND state = 'proposed' AND offer_id = ANY(\(offers)::uuid[])
                  AND participant_id <> \(participantID)
            ) ranked WHERE rank = \(k)
            """)
        var kth: [UUID: Kth] = [:]
        for row in rows {
            let other = try row.decode(UUID.self, "participant_id")
            kth[try row.decode(UUID.self, "offer_id")] = Kth(key: RankKey(score: try row.decode(Double.self, "score"), id: other),
                                                              other: other)
        }
        return kth
    }

    /// For each participant in `participants`: the `k`-th best of their proposed rows other than
    /// with `offerID` (absent when they have fewer than k others).
    func kthOfParticipants(_ participants: [UUID], forbundID: UUID, except offerID: UUID, k: Int,
                           on connection: PostgresConnection) async throws -> [UUID: Kth] {
        guard !participants.isEmpty else { return [:] }
        let rows = try await connection.query("""
            SELECT participant_id, offer_id, score FROM (
                SELECT participant_id, offer_id, score,
                       row_number() OVER (PARTITION BY participant_id ORDER BY score DESC, offer_id) AS rank
                FROM suggestions
                WHERE forbund_id = \(forbundID) AND state = 'proposed' AND participant_id = ANY(\(participants)::uuid[])
                  AND offer_id <> \(offerID)
            ) ranked WHERE rank = \(k)
            """)
        var kth: [UUID: Kth] = [:]
        for row in rows {
            let other = try row.decode(UUID.self, "offer_id")
            kth[try row.decode(UUID.self, "participant_id")] = Kth(key: RankKey(score: try row.decode(Double.self, "score"), id: other),
                                                                    other: other)
        }
        return kth
    }

    /// Of the proposed `pairs` (participant, offer), those in neither top list as stored: not among
    /// the participant's first `n` proposed rows, nor among the offer's first `m`. A pair pushed
    /// down one list by a newcomer is withdrawn only when this says so.
    func inNeitherTop(_ pairs: [(participant: UUID, offer: UUID)], forbundID: UUID, n: Int, m: Int,
                      on connection: PostgresConnection) async throws -> [(participant: UUID, offer: UUID)] {
        guard !pairs.isEmpty else { return [] }
        let rows = try await connection.query("""
            WITH asked AS (SELECT * FROM unnest(\(pairs.map(\.participant))::uuid[], \(pairs.map(\.offer))::uuid[]) AS a(participant_id, offer_id)),
            by_participant AS (
                SELECT participant_id, offer_id,
                       row_number() OVER (PARTITION BY participant_id ORDER BY score DESC, offer_id) AS rank
                FROM suggestions WHERE forbund_id = \(forbundID) AND state = 'proposed'
                  AND participant_id IN (SELECT participant_id FROM asked)
            ),
            by_offer AS (
                SELECT participant_id, offer_id,
                       row_number() OVER (PARTITION BY offer_id ORDER BY score DESC, participant_id) AS rank
                FROM suggestions WHERE forbund_id = \(forbundID) AND state = 'proposed'
                  AND offer_id IN (SELECT offer_id FROM asked)
            )
            SELECT a.participant_id, a.offer_id FROM asked a
            JOIN by_participant p ON p.participant_id = a.participant_id AND p.offer_id = a.offer_id
            JOIN by_offer o ON o.participant_id = a.participant_id AND o.offer_id = a.offer_id
            WHERE p.rank > \(n) AND o.rank > \(m)
            ORDER BY a.participant_id, a.offer_id
            """)
        return try rows.map { (try $0.decode(UUID.self, "participant_id"), try $0.decode(UUID.self, "offer_id")) }
    }
}
