import Foundation

/// The SQL of suggestions. Matching writes proposed rows and withdraws them; rows a person has
/// acted on (`SuggestionState.reviewed`, and rejected ones until their facts change) are never
/// changed by matching. The review actions are `SuggestionReview`'s.
public struct SuggestionStore: Sendable {
    /// A stored suggestion.
    public struct Stored: Sendable, Encodable {
        /// The förbund.
        public var forbundID: UUID
        /// Its id.
        public var id: UUID
        /// The participant.
        public var participantID: UUID
        /// The offer.
        public var offerID: UUID
        /// The score.
        public var score: Double
        /// Each component with its contribution and sentences.
        public var components: [ScoreComponent]
        /// The supports the pair is eligible for, with the catalog version each used.
        public var supports: [SupportEvaluator.Verdict]
        /// The weights used.
        public var weights: ScoreWeights
        /// Chosen by the market-wide assignment.
        public var recommended: Bool
        /// Where it is in its life (`SuggestionState`).
        public var state: String
        /// Why it is in that state (a constraint code when withdrawn, a reason code when rejected).
        public var stateReason: String?
        /// Counts state changes (not rescores): the API's ETag.
        public var version: Int
        /// The support codes the coordinator disclosed to the employer when presenting.
        public var disclosedSupports: [String]
        /// When it was presented to the employer.
        public var presentedAt: Date?
        /// When it was first suggested.
        public var createdAt: Date
        /// When it last changed.
        public var updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case forbundID = "forbund_id", id, participantID = "participant_id", offerID = "offer_id", score
            case components, supports, weights, recommended, state, stateReason = "state_reason", version
            case disclosedSupports = "disclosed_supports", presentedAt = "presented_at"
            case createdAt = "created_at", updatedAt = "updated_at"
        }

        /// Encodes ids in lower case.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeID(forbundID, forKey: .forbundID)
            try c.encodeID(id, forKey: .id)
            try c.encodeID(participantID, forKey: .participantID)
            try c.encodeID(offerID, forKey: .offerID)
            try c.encode(score, forKey: .score)
            try c.encode(components, forKey: .components)
            try c.encode(supports, forKey: .supports)
            try c.encode(weights, forKey: .weights)
            try c.encode(recommended, forKey: .recommended)
            try c.encode(state, forKey: .state)
            try c.encode(stateReason, forKey: .stateReason)
            try c.encode(version, forKey: .version)
            try c.encode(disclosedSupports, forKey: .disclosedSupports)
            try c.encode(presentedAt, forKey: .presentedAt)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(updatedAt, forKey: .updatedAt)
        }
    }

    /// Filters for a list.
    public struct Filter: Sendable {
        /// Only this state.
        public var state: String?
        /// Only this participant.
        public var participantID: UUID?
        /// Only this offer.
        public var offerID: UUID?
        /// Only recommended (or not).
        public var recommended: Bool?
        /// Only participants this coordinator follows.
        public var coordinatorID: UUID?

        /// No filter.
        public init(state: String? = nil, participantID: UUID? = nil, offerID: UUID? = nil, recommended: Bool? = nil,
                    coordinatorID: UUID? = nil) {
            self.state = state
            self.participantID = participantID
            self.offerID = offerID
            self.recommended = recommended
            self.coordinatorID = coordinatorID
        }
    }

    /// A store.
    public init() {}

    /// Proposes `pairs` (inserting new rows, refreshing proposed and withdrawn ones, and reopening
    /// rejected ones whose other side is in `reopened`: their rejection's facts changed), then withdraws
    /// the proposed rows of `scope` (a participant's or an offer's) that are not among them, with
    /// the reason `reason` gives for the other side's id (the constraint that now fails), else `not_in_top`.
    public func apply(_ pairs: [SuggestedPair], forbundID: UUID, participantID: UUID? = nil, offerID: UUID? = nil,
                      weights: ScoreWeights, actor: String, in transaction: PostgresTransaction, reopened: Set<UUID> = [],
                      reason: (UUID) -> String? = { _ in nil }) async throws {
        // Three statements whatever the count: lock the pairs' rows (in id order), upsert the
        // pairs matching may write (scores as text: Swift's shortest round-trip form, which
        // PostgreSQL reads back to the same double), record the history of those that were not proposed.
        var previous: [PairID: String] = [:]
        for row in try await transaction.query("""
            SELECT participant_id, offer_id, state FROM suggestions
            WHERE forbund_id = \(forbundID)
              AND (participant_id, offer_id) IN (SELECT * FROM unnest(\(pairs.map(\.participantID))::uuid[], \(pairs.map(\.offerID))::uuid[]))
            ORDER BY id FOR UPDATE
            """) {
            previous[PairID(participantID: try row.decode(UUID.self, "participant_id"), offerID: try row.decode(UUID.self, "offer_id"))] =
                try row.decode(String.self, "state")
        }
        // A reviewed suggestion is the coordinator's: matching leaves it as it is, except a
        // rejection whose facts have changed since.
        let written = pairs.filter { pair in
            let other = participantID != nil ? pair.offerID : pair.participantID
            switch previous[PairID(participantID: pair.participantID, offerID: pair.offerID)] {
            case nil, "proposed", "withdrawn": return true
            case "rejected": return reopened.contains(other)
            default: return false
            }
        }
        guard !written.isEmpty else { return try await withdrawRest(pairs, forbundID: forbundID, participantID: participantID,
                                                                   offerID: offerID, actor: actor, in: transaction, reason: reason) }
        func json<T: Codable & Sendable>(_ value: T) -> String {
            PostgresJSONB(value).postgresBind.bytes.map { String(decoding: $0, as: UTF8.self) } ?? "null"
        }
        let rows = try await transaction.query("""
            INSERT INTO suggestions AS s (forbund_id, participant_id, offer_id, score, components, supports, weights)
            SELECT \(forbundID), p, o, score::float8, components::jsonb, supports::jsonb, \(PostgresJSONB(weights))
            FROM unnest(\(written.map(\.participantID))::uuid[], \(written.map(\.offerID))::uuid[], \(written.map { String($0.score.total) })::text[],
                        \(written.map { json($0.score.components) })::text[], \(written.map { json($0.supports) })::text[])
                 AS w(p, o, score, components, supports)
            ON CONFLICT (forbund_id, participant_id, offer_id) DO UPDATE
            SET score = excluded.score, components = excluded.components, supports = excluded.supports,
                weights = excluded.weights, state = 'proposed', state_reason = NULL, rejection_snapshot = NULL,
                version = CASE WHEN s.state = 'proposed' THEN s.version ELSE s.version + 1 END, disclosed_supports = '{}',
                presented_at = NULL, presented_by = NULL, updated_at = now()
            RETURNING s.id, s.participant_id, s.offer_id
            """)
        var history: [(id: UUID, from: String?, reason: String?)] = []
        var proposedTo: [UUID: [UUID]] = [:]
        for row in rows {
            let participant = try row.decode(UUID.self, "participant_id")
            let before = previous[PairID(participantID: participant, offerID: try row.decode(UUID.self, "offer_id"))]
            if before != "proposed" {
                let id = try row.decode(UUID.self, "id")
                history.append((id, before, before == "rejected" ? "changed_since_rejection" : nil))
                proposedTo[participant, default: []].append(id)
            }
        }
        // One event per job and participant with new proposals, however many rows they are.
        try await EventLog().append(proposedTo.sorted { IDOrder($0.key) < IDOrder($1.key) }.map {
            Event(.suggestionsNew, suggestionIDs: $0.value.sorted { IDOrder($0) < IDOrder($1) }, participantID: $0.key)
        }, forbundID: forbundID, in: transaction)
        if !history.isEmpty {
            try await transaction.execute("""
                INSERT INTO suggestion_history (forbund_id, suggestion_id, from_state, to_state, reason, actor)
                SELECT \(forbundID), id, NULLIF(from_state, ''), 'proposed', NULLIF(reason, ''), \(actor)
                FROM unnest(\(history.map(\.id))::uuid[], \(history.map { $0.from ?? "" })::text[], \(history.map { $0.reason ?? "" })::text[])
                     AS h(id, from_state, reason)
                """)
        }
        try await withdrawRest(pairs, forbundID: forbundID, participantID: participantID, offerID: offerID, actor: actor,
                               in: transaction, reason: reason)
    }

    /// Withdraws the proposed rows of the scope that are not among `pairs`, with the reason
    /// `reason` gives for the other side's id, else `not_in_top`.
    private func withdrawRest(_ pairs: [SuggestedPair], forbundID: UUID, participantID: UUID?, offerID: UUID?, actor: String,
                              in transaction: PostgresTransaction, reason: (UUID) -> String?) async throws {
        var scope: PostgresQuery = "forbund_id = \(forbundID) AND state = 'proposed'"
        if let participantID { scope = "\(scope) AND participant_id = \(participantID) AND NOT (offer_id = ANY(\(pairs.map(\.offerID))::uuid[]))" }
        if let offerID { scope = "\(scope) AND offer_id = \(offerID) AND NOT (participant_id = ANY(\(pairs.map(\.participantID))::uuid[]))" }
        let withdrawn = try await transaction.query("""
            SELECT id, participant_id, offer_id FROM suggestions WHERE \(scope) ORDER BY id FOR UPDATE
            """)
        for row in withdrawn {
            let other = participantID != nil ? try row.decode(UUID.self, "offer_id") : try row.decode(UUID.self, "participant_id")
            try await withdraw(id: try row.decode(UUID.self, "id"), forbundID: forbundID, reason: reason(other) ?? "not_in_top",
                               actor: actor, in: transaction)
        }
    }

    /// Withdraws the suggestions in `states` (by default every one still under way, reviewed or
    /// not) of a participant or an offer: consent withdrawn, offer paused, filled or closed, in the
    /// caller's transaction, which is the transaction of that cause. Each pair withdrawn may leave
    /// a place in the other side's top list, so the other side is rematched: a job for each offer
    /// (or participant) whose pair was withdrawn is enqueued in the same transaction, under `meta`.
    public func withdrawAll(forbundID: UUID, participantID: UUID? = nil, offerID: UUID? = nil,
                            states: [SuggestionState] = SuggestionState.underWay, reason: String, actor: String,
                            meta: JobMeta, in transaction: PostgresTransaction) async throws {
        var scope: PostgresQuery = "forbund_id = \(forbundID) AND state IN \(SuggestionState.sqlList(states))"
        if let participantID { scope = "\(scope) AND participant_id = \(participantID)" }
        if let offerID { scope = "\(scope) AND offer_id = \(offerID)" }
        var rematch: [JobInsert] = []
        for row in try await transaction.query("SELECT id, participant_id, offer_id FROM suggestions WHERE \(scope) ORDER BY id FOR UPDATE") {
            try await withdraw(id: try row.decode(UUID.self, "id"), forbundID: forbundID, from: states, reason: reason, actor: actor,
                               in: transaction)
            if participantID != nil {
                rematch.append(try MatchingJobs.offer(try row.decode(UUID.self, "offer_id"), forbundID: forbundID, meta: meta))
            } else {
                rematch.append(try MatchingJobs.participant(try row.decode(UUID.self, "participant_id"), forbundID: forbundID, meta: meta))
            }
        }
        try await MatchingJobs.enqueue(rematch, in: transaction)
    }

    /// Withdraws the proposed `pairs` (participant, offer) for `reason`: pairs pushed out of both
    /// top lists by a newcomer.
    func withdraw(pairs: [PairID], forbundID: UUID, reason: String, actor: String,
                  in transaction: PostgresTransaction) async throws {
        for pair in pairs {
            let rows = try await transaction.query("""
                SELECT id FROM suggestions WHERE forbund_id = \(forbundID) AND participant_id = \(pair.participantID)
                AND offer_id = \(pair.offerID) AND state = 'proposed' FOR UPDATE
                """)
            for row in rows {
                try await withdraw(id: try row.decode(UUID.self, "id"), forbundID: forbundID, reason: reason, actor: actor, in: transaction)
            }
        }
    }

    /// Withdraws one suggestion if it is in one of `states`, and records the change.
    func withdraw(id: UUID, forbundID: UUID, from states: [SuggestionState] = [.proposed], reason: String, actor: String,
                  in transaction: PostgresTransaction) async throws {
        try await transaction.execute("""
            WITH old AS (
                SELECT id, state FROM suggestions WHERE forbund_id = \(forbundID) AND id = \(id) AND state IN \(SuggestionState.sqlList(states))
                FOR UPDATE
            ), changed AS (
                UPDATE suggestions s SET state = 'withdrawn', state_reason = \(reason), recommended = false, version = s.version + 1,
                       updated_at = now()
                FROM old WHERE s.forbund_id = \(forbundID) AND s.id = old.id RETURNING s.id, old.state
            )
            INSERT INTO suggestion_history (forbund_id, suggestion_id, from_state, to_state, reason, actor)
            SELECT \(forbundID), id, state, 'withdrawn', \(reason), \(actor) FROM changed
            """)
    }

    static let columns: PostgresQuery = """
        s.forbund_id, s.id, s.participant_id, s.offer_id, s.score, s.components, s.supports, s.weights, s.recommended, s.state,
        s.state_reason, s.version, s.disclosed_supports, s.presented_at, s.created_at, s.updated_at
        """

    /// Suggestions of a förbund, best first, a page at a time.
    public func list(forbundID: UUID, filter: Filter, page: PageRequest, on connection: PostgresConnection) async throws -> Page<Stored> {
        var condition: PostgresQuery = "s.forbund_id = \(forbundID)"
        if let state = filter.state { condition = "\(condition) AND s.state = \(state)" }
        if let id = filter.participantID { condition = "\(condition) AND s.participant_id = \(id)" }
        if let id = filter.offerID { condition = "\(condition) AND s.offer_id = \(id)" }
        if let recommended = filter.recommended { condition = "\(condition) AND s.recommended = \(recommended)" }
        if let coordinator = filter.coordinatorID {
            condition = """
                \(condition) AND EXISTS (SELECT 1 FROM participants p WHERE p.forbund_id = s.forbund_id AND p.id = s.participant_id
                                         AND p.responsible_coordinator_id = \(coordinator))
                """
        }
        if let after = page.after {
            guard after.values.count == 2, let score = Double(after.values[0]), let id = UUID(uuidString: after.values[1]) else {
                throw PageCursorError()
            }
            condition = "\(condition) AND (s.score < \(score) OR (s.score = \(score) AND s.id > \(id)))"
        }
        let rows = try await connection.query("""
            SELECT \(Self.columns) FROM suggestions s WHERE \(condition) ORDER BY s.score DESC, s.id LIMIT \(page.limit + 1)
            """)
        let items = try rows.prefix(page.limit).map(Self.stored)
        let next = rows.count > page.limit ? items.last.map {
            PageCursor(values: [String($0.score), $0.id.uuidString.lowercased()]).encoded
        } : nil
        return Page(items: items, nextCursor: next)
    }

    /// One suggestion.
    public func get(forbundID: UUID, id: UUID, on connection: PostgresConnection) async throws -> Stored? {
        try await connection.query("SELECT \(Self.columns) FROM suggestions s WHERE s.forbund_id = \(forbundID) AND s.id = \(id)")
            .first.map(Self.stored)
    }

    static func stored(_ row: PostgresRow) throws -> Stored {
        Stored(forbundID: try row.decode(UUID.self, "forbund_id"), id: try row.decode(UUID.self, "id"),
               participantID: try row.decode(UUID.self, "participant_id"), offerID: try row.decode(UUID.self, "offer_id"),
               score: try row.decode(Double.self, "score"),
               components: try row.decode(PostgresJSONB<[ScoreComponent]>.self, "components").value,
               supports: try row.decode(PostgresJSONB<[SupportEvaluator.Verdict]>.self, "supports").value,
               weights: try row.decode(PostgresJSONB<ScoreWeights>.self, "weights").value,
               recommended: try row.decode(Bool.self, "recommended"), state: try row.decode(String.self, "state"),
               stateReason: try row.decode(String?.self, "state_reason"), version: try row.decode(Int.self, "version"),
               disclosedSupports: try row.decode([String].self, "disclosed_supports"),
               presentedAt: try row.decode(Date?.self, "presented_at"), createdAt: try row.decode(Date.self, "created_at"),
               updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
