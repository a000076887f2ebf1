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

    /// One side of a pair: whose list is read.
    enum Side {
        /// An offer's list of participants.
        case offer
        /// A participant's list of offers.
        case participant

        /// The side's column and the other side's.
        var columns: (own: String, other: String) {
            switch self {
            case .offer: ("offer_id", "participant_id")
            case .participant: ("participant_id", "offer_id")
            }
        }
    }

    /// For each of `ids` (offers or participants, by `side`): the `k`-th best of its proposed rows
    /// other than the pair with `other` (absent when it has fewer than k others).
    func kth(of side: Side, _ ids: [UUID], forbundID: UUID, except other: UUID, k: Int,
             on connection: PostgresConnection) async throws -> [UUID: Kth] {
        guard !ids.isEmpty else { return [:] }
        let (own, theirs) = side.columns
        // One short walk down the ranking index per id (migration 0009): at most k entries each,
        // however long the list.
        let rows = try await connection.query("""
            SELECT ids.id AS own, kth.other, kth.score FROM unnest(\(ids)::uuid[]) AS ids(id)
            CROSS JOIN LATERAL (
                SELECT \(identifier: theirs) AS other, score FROM suggestions
                WHERE forbund_id = \(forbundID) AND state = 'proposed' AND \(identifier: own) = ids.id
                  AND \(identifier: theirs) <> \(other)
                ORDER BY score DESC, \(identifier: theirs) OFFSET \(k - 1) LIMIT 1
            ) kth
            """)
        var kth: [UUID: Kth] = [:]
        for row in rows {
            let found = try row.decode(UUID.self, "other")
            kth[try row.decode(UUID.self, "own")] = Kth(key: RankKey(score: try row.decode(Double.self, "score"), id: found), other: found)
        }
        return kth
    }

    /// The scores of one offer's or one participant's proposed rows, by the other side's id.
    func scores(of side: Side, _ id: UUID, forbundID: UUID, on connection: PostgresConnection) async throws -> [UUID: Double] {
        let (own, theirs) = side.columns
        var scores: [UUID: Double] = [:]
        for row in try await connection.query("""
            SELECT \(identifier: theirs) AS other, score FROM suggestions
            WHERE forbund_id = \(forbundID) AND \(identifier: own) = \(id) AND state = 'proposed'
            """) {
            scores[try row.decode(UUID.self, "other")] = try row.decode(Double.self, "score")
        }
        return scores
    }

    /// Of the proposed `pairs` (participant, offer), those in neither top list as stored: not among
    /// the participant's first `n` proposed rows, nor among the offer's first `m`. A pair pushed
    /// down one list by a newcomer is withdrawn only when this says so.
    func inNeitherTop(_ pairs: [PairID], forbundID: UUID, n: Int, m: Int, on connection: PostgresConnection) async throws -> [PairID] {
        guard !pairs.isEmpty else { return [] }
        let rows = try await connection.query("""
            SELECT a.participant_id, a.offer_id
            FROM unnest(\(pairs.map(\.participantID))::uuid[], \(pairs.map(\.offerID))::uuid[]) AS a(participant_id, offer_id)
            WHERE EXISTS (SELECT 1 FROM suggestions s WHERE s.forbund_id = \(forbundID) AND s.participant_id = a.participant_id
                          AND s.offer_id = a.offer_id AND s.state = 'proposed')
              AND a.offer_id NOT IN (
                  SELECT offer_id FROM suggestions WHERE forbund_id = \(forbundID) AND state = 'proposed'
                  AND participant_id = a.participant_id ORDER BY score DESC, offer_id LIMIT \(n))
              AND a.participant_id NOT IN (
                  SELECT participant_id FROM suggestions WHERE forbund_id = \(forbundID) AND state = 'proposed'
                  AND offer_id = a.offer_id ORDER BY score DESC, participant_id LIMIT \(m))
            ORDER BY a.participant_id, a.offer_id
            """)
        return try rows.map { PairID(participantID: try $0.decode(UUID.self, "participant_id"), offerID: try $0.decode(UUID.self, "offer_id")) }
    }
}
