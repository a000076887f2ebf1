import Foundation

/// The people's side of a suggestion's life (`SuggestionState`): coordinators approve, reject,
/// present and record contacts; employers answer. Each action, in the caller's transaction:
///
/// 1. locks the suggestion's row (`FOR UPDATE`; `present` locks the participant's row first,
///    `FOR SHARE`, so a consent withdrawal either commits before the check or waits for the
///    presentation and then withdraws it: participant before suggestion, as matching and the
///    consent writes lock them);
/// 2. checks `If-Match` (412 when stale), then the state (409 naming it and the allowed ones): of two
///    coordinators acting at once, the second sees the first's state and nothing applies twice;
/// 3. moves the state, bumps `version`, keeps the step in `suggestion_history` with actor, reason
///    and note, audits it, and writes its event.
public struct SuggestionReview: Sendable {
    /// One entry of a suggestion's history.
    public struct HistoryEntry: Sendable, Encodable {
        /// From which state (nil when first proposed).
        public var fromState: String?
        /// To which.
        public var toState: String
        /// The reason code, if any.
        public var reason: String?
        /// The note the actor wrote, if any.
        public var note: String?
        /// Who (an audit name: `user:…`, `token:…`, `system:matching`, `matchctl:…`).
        public var actor: String
        /// When.
        public var at: Date

        enum CodingKeys: String, CodingKey { case fromState = "from_state", toState = "to_state", reason, note, actor, at }

        /// Encodes every field, absent ones as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(fromState, forKey: .fromState)
            try c.encode(toState, forKey: .toState)
            try c.encode(reason, forKey: .reason)
            try c.encode(note, forKey: .note)
            try c.encode(actor, forKey: .actor)
            try c.encode(at, forKey: .at)
        }
    }

    /// The audit log's name for a suggestion.
    static let entity = "suggestion"

    /// A review service.
    public init() {}

    /// `proposed` → `approved`. The pair leaves both top lists, so both sides are rematched and
    /// their next in line get the places.
    public func approve(forbundID: UUID, id: UUID, ifVersion: Int?, note: String?, by context: AuditContext,
                        in transaction: PostgresTransaction) async throws -> SuggestionStore.Stored {
        let row = try await lock(AccessScope(forbundID: forbundID), id: id, for: .approve, ifVersion: ifVersion, in: transaction)
        try await move(row, to: .approved, note: note, by: context, in: transaction)
        try await rematchBothSides(of: row, meta: context.meta, in: transaction)
        return try await reread(row, in: transaction)
    }

    /// Any state before `placed` → `rejected`, with a reason code and the facts it concerns (the
    /// pair is held out until one of them changes); both sides are rematched.
    public func reject(forbundID: UUID, id: UUID, ifVersion: Int?, reason: RejectionReason, note: String?,
                       by context: AuditContext, in transaction: PostgresTransaction) async throws -> SuggestionStore.Stored {
        let row = try await lock(AccessScope(forbundID: forbundID), id: id, for: .reject, ifVersion: ifVersion, in: transaction)
        try await rejectLocked(row, reason: reason, note: note, by: context, in: transaction)
        return try await reread(row, in: transaction)
    }

    /// `approved` → `presented`, disclosing `disclosedSupports` (codes among the pair's eligible
    /// supports) to the employer. Refused (409, `/consents`) unless the participant's
    /// `disclosure_to_employers` consent is in force `today`. `presenter` is the coordinator user
    /// who presents: the employer's contact when the participant has no responsible coordinator.
    public func present(forbundID: UUID, id: UUID, ifVersion: Int?, disclosedSupports: [String], note: String?,
                        presenter: UUID?, today: CalendarDate, by context: AuditContext,
                        in transaction: PostgresTransaction) async throws -> SuggestionStore.Stored {
        let participant = try await transaction.query("""
            SELECT s.participant_id FROM suggestions s WHERE s.forbund_id = \(forbundID) AND s.id = \(id)
            """).first?.decode(UUID.self, "participant_id")
        guard let participant else { throw StoreError.notFound }
        try await transaction.execute("SELECT 1 FROM participants WHERE forbund_id = \(forbundID) AND id = \(participant) FOR SHARE")
        let row = try await lock(AccessScope(forbundID: forbundID), id: id, for: .present, ifVersion: ifVersion, in: transaction)
        guard try await ParticipantStore().hasConsent(.disclosureToEmployers, forbundID: forbundID, participantID: row.participantID,
                                                      on: today, in: transaction) else {
            var errors = FieldErrors()
            errors.add("/consents", rule: "disclosure_to_employers",
                       "the participant has no disclosure_to_employers consent in force: record it before presenting")
            throw StoreError.conflict(errors)
        }
        var errors = FieldErrors()
        let eligible = Set(row.supports.filter(\.applies).map(\.code))
        var seen: Set<String> = []
        for (index, code) in disclosedSupports.enumerated() {
            if !eligible.contains(code) {
                errors.add("/disclosed_supports/\(index)", rule: "eligible",
                           "must be one of the pair's eligible supports: \(eligible.sorted().joined(separator: ", "))")
            } else if !seen.insert(code).inserted {
                errors.add("/disclosed_supports/\(index)", rule: "unique", "is named twice")
            }
        }
        if !errors.entries.isEmpty { throw errors }
        try await transaction.execute("""
            UPDATE suggestions SET disclosed_supports = \(disclosedSupports), presented_at = now(), presented_by = \(presenter)
            WHERE forbund_id = \(forbundID) AND id = \(id)
            """)
        try await move(row, to: .presented, note: note, by: context, in: transaction)
        try await EventLog().append(Event(.candidatePresented, suggestionID: id, participantID: row.participantID, offerID: row.offerID,
                                          employerID: row.employerID), forbundID: forbundID, in: transaction)
        return try await reread(row, in: transaction)
    }

    /// The employer's answer to a presented candidate: `presented` → `employer_interested`, or →
    /// `rejected` with reason `employer_declined`. `scope` narrowed to an employer finds only its
    /// own offers' candidates (anything else is not found).
    public func recordEmployerAnswer(_ scope: AccessScope, id: UUID, ifVersion: Int?, interested: Bool, note: String?,
                                     by context: AuditContext, in transaction: PostgresTransaction) async throws -> SuggestionStore.Stored {
        let row = try await lock(scope, id: id, for: .employerAnswer, ifVersion: ifVersion, in: transaction)
        if interested {
            try await move(row, to: .employerInterested, note: note, by: context, in: transaction)
        } else {
            try await rejectLocked(row, reason: .employerDeclined, note: note, by: context, in: transaction)
        }
        try await EventLog().append(Event(.employerAnswered, suggestionID: id, participantID: row.participantID, offerID: row.offerID,
                                          employerID: row.employerID), forbundID: scope.forbundID, in: transaction)
        return try await reread(row, in: transaction)
    }

    /// `presented`, `employer_interested` or `contacted` → `contacted`: a meeting or call, each one
    /// kept in the history.
    public func recordContact(forbundID: UUID, id: UUID, ifVersion: Int?, note: String?, by context: AuditContext,
                              in transaction: PostgresTransaction) async throws -> SuggestionStore.Stored {
        let row = try await lock(AccessScope(forbundID: forbundID), id: id, for: .contacted, ifVersion: ifVersion, in: transaction)
        try await move(row, to: .contacted, note: note, by: context, in: transaction)
        return try await reread(row, in: transaction)
    }

    /// A suggestion's history, oldest first; nil when there is no such suggestion in the förbund.
    public func history(forbundID: UUID, id: UUID, on connection: PostgresConnection) async throws -> [HistoryEntry]? {
        let rows = try await connection.query("""
            SELECT h.from_state, h.to_state, h.reason, h.note, h.actor, h.at
            FROM suggestions s LEFT JOIN suggestion_history h ON h.forbund_id = s.forbund_id AND h.suggestion_id = s.id
            WHERE s.forbund_id = \(forbundID) AND s.id = \(id) ORDER BY h.id
            """)
        guard !rows.isEmpty else { return nil }
        return try rows.compactMap { row in try row.decode(String?.self, "to_state") == nil ? nil : try Self.historyEntry(row) }
    }

    /// A history row (`from_state`, `to_state`, `reason`, `note`, `actor`, `at`) as an entry.
    static func historyEntry(_ row: PostgresRow) throws -> HistoryEntry {
        HistoryEntry(fromState: try row.decode(String?.self, "from_state"), toState: try row.decode(String.self, "to_state"),
                     reason: try row.decode(String?.self, "reason"), note: try row.decode(String?.self, "note"),
                     actor: try row.decode(String.self, "actor"), at: try row.decode(Date.self, "at"))
    }

    /// A suggestion's row as an action reads it, locked.
    struct Locked {
        var forbundID: UUID
        var id: UUID
        var participantID: UUID
        var offerID: UUID
        var employerID: UUID
        var state: SuggestionState
        var supports: [SupportEvaluator.Verdict]
    }

    /// Locks the suggestion in scope and checks `ifVersion`, then that `action` may start from its state.
    func lock(_ scope: AccessScope, id: UUID, for action: ReviewAction, ifVersion: Int?,
              in transaction: PostgresTransaction) async throws -> Locked {
        try await lock(scope, id: id, allowed: action.allowedFrom, action: action.rawValue, ifVersion: ifVersion, in: transaction)
    }

    /// Locks the suggestion in scope and checks `ifVersion`, then that its state is one of `allowed`
    /// (else the conflict names `action`).
    func lock(_ scope: AccessScope, id: UUID, allowed: [SuggestionState], action: String, ifVersion: Int?,
              in transaction: PostgresTransaction) async throws -> Locked {
        var condition: PostgresQuery = "s.forbund_id = \(scope.forbundID) AND s.id = \(id)"
        if let employerID = scope.employerID {
            // An employer sees a suggestion only once it is presented, and only of its own offers.
            condition = "\(condition) AND o.employer_id = \(employerID) AND s.state IN \(SuggestionState.sqlList(SuggestionState.visibleToEmployer))"
        }
        let rows = try await transaction.query("""
            SELECT s.participant_id, s.offer_id, o.employer_id, s.state, s.version, s.supports
            FROM suggestions s JOIN placement_offers o ON o.forbund_id = s.forbund_id AND o.id = s.offer_id
            WHERE \(condition) FOR UPDATE OF s
            """)
        try StoreError.requireVersion(of: rows.first, matching: ifVersion)
        let row = rows[0]
        let text = try row.decode(String.self, "state")
        guard let state = SuggestionState(rawValue: text) else { throw StoredValueError(column: "state", value: text) }
        guard allowed.contains(state) else { throw SuggestionState.refusal(of: action, from: state, allowed: allowed) }
        return Locked(forbundID: scope.forbundID, id: id, participantID: try row.decode(UUID.self, "participant_id"),
                      offerID: try row.decode(UUID.self, "offer_id"), employerID: try row.decode(UUID.self, "employer_id"),
                      state: state, supports: try row.decode(PostgresJSONB<[SupportEvaluator.Verdict]>.self, "supports").value)
    }

    /// Moves a locked suggestion to `state`, with its history entry and audit record.
    func move(_ row: Locked, to state: SuggestionState, reason: String? = nil, note: String?, by context: AuditContext,
              in transaction: PostgresTransaction) async throws {
        try await transaction.execute("""
            WITH changed AS (
                UPDATE suggestions SET state = \(state.rawValue), state_reason = \(reason), recommended = false,
                       version = version + 1, updated_at = now()
                WHERE forbund_id = \(row.forbundID) AND id = \(row.id) RETURNING id
            )
            INSERT INTO suggestion_history (forbund_id, suggestion_id, from_state, to_state, reason, note, actor)
            SELECT \(row.forbundID), id, \(row.state.rawValue), \(state.rawValue), \(reason), \(note), \(context.actor) FROM changed
            """)
        try await AuditLog().record(.update, entity: Self.entity, ids: [row.id], forbundID: row.forbundID, context: context,
                                    in: transaction)
    }

    /// Rejects a locked suggestion: the facts the reason concerns are kept with it, and both sides
    /// are rematched (a proposed pair gives up its places).
    func rejectLocked(_ row: Locked, reason: RejectionReason, note: String?, by context: AuditContext,
                      in transaction: PostgresTransaction) async throws {
        let facts = try await SuggestionRejections().facts(reason, forbundID: row.forbundID, participantID: row.participantID,
                                                           offerID: row.offerID, in: transaction)
        try await transaction.execute("""
            UPDATE suggestions SET rejection_snapshot = \(PostgresJSONB(facts)) WHERE forbund_id = \(row.forbundID) AND id = \(row.id)
            """)
        try await move(row, to: .rejected, reason: reason.rawValue, note: note, by: context, in: transaction)
        try await rematchBothSides(of: row, meta: context.meta, in: transaction)
    }

    /// A pair that leaves the top lists gives up a place in each: both sides' jobs find the next in line.
    func rematchBothSides(of row: Locked, meta: JobMeta, in transaction: PostgresTransaction) async throws {
        try await MatchingJobs.enqueue([try MatchingJobs.participant(row.participantID, forbundID: row.forbundID, meta: meta),
                                        try MatchingJobs.offer(row.offerID, forbundID: row.forbundID, meta: meta)], in: transaction)
    }

    func reread(_ row: Locked, in transaction: PostgresTransaction) async throws -> SuggestionStore.Stored {
        guard let stored = try await SuggestionStore().get(forbundID: row.forbundID, id: row.id, on: transaction.connection) else {
            throw StoreError.notFound
        }
        return stored
    }
}
