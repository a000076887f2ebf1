import Foundation

/// The SQL of placements: recording one from a suggestion the employer wants, reading them, and
/// ending one with its outcome. Active placements (not ended) are the one count of an offer's
/// positions taken; every placement that did not end `dropped_out` is one of its employer's
/// successful placements (`positionsTaken`, `successfulPlacements`: matching reads these).
///
/// Lock order. The offer-index version row (migration 0007) is locked by every offer, agreement,
/// employer and placement write until commit, and offer writes take the offer's row first. So
/// every write here takes, in this order: the offer (`FOR NO KEY UPDATE`), its employer's row
/// (`FOR KEY SHARE`, which the placement's foreign key takes anyway: taken before the version
/// row, an employer edit waiting for the version row cannot hold it), the version row, the
/// participant, the placement, the suggestions it changes (in id order, in one statement),
/// check-ins, job rows. Two placements for one offer queue on the offer, a placement and an
/// offer's status change likewise, and none of them can hold a suggestion another waits for
/// while it waits.
public struct PlacementStore: Sendable {
    /// What `list` filters on.
    public struct Filter: Sendable {
        /// One participant's.
        public var participantID: UUID?
        /// One employer's.
        public var employerID: UUID?
        /// One offer's.
        public var offerID: UUID?
        /// Active (true) or ended (false) only.
        public var active: Bool?

        /// No filter.
        public init(participantID: UUID? = nil, employerID: UUID? = nil, offerID: UUID? = nil, active: Bool? = nil) {
            self.participantID = participantID
            self.employerID = employerID
            self.offerID = offerID
            self.active = active
        }
    }

    /// The audit log's name for a placement.
    static let entity = "placement"

    let followAlong: FollowAlongStore
    let evaluator: SupportEvaluator

    /// A store whose placements are followed along by `plan` and whose supports applied for are
    /// estimated by `evaluator`.
    public init(plan: FollowAlongPlan = FollowAlongPlan(), evaluator: SupportEvaluator = SupportEvaluator()) {
        followAlong = FollowAlongStore(plan: plan)
        self.evaluator = evaluator
    }

    /// The positions taken of the offer aliased `offer` in a query: its active placements.
    static func positionsTaken(_ offer: String) -> PostgresQuery {
        let o = PostgresQuery(unsafeSQL: offer)
        return """
            (SELECT count(*) FROM placements pl WHERE pl.forbund_id = \(o).forbund_id AND pl.offer_id = \(o).id AND pl.ended_on IS NULL)
            """
    }

    /// The positions taken of one offer now.
    static func positionsTaken(forbundID: UUID, offerID: UUID, on connection: PostgresConnection) async throws -> Int {
        try await connection.query("""
            SELECT \(positionsTaken("o")) AS n FROM placement_offers o WHERE o.forbund_id = \(forbundID) AND o.id = \(offerID)
            """).first?.decode(Int.self, "n") ?? 0
    }

    /// The successful placements of the employer of the offer aliased `offer`: all but those that
    /// ended with the participant dropping out.
    static func successfulPlacements(_ offer: String) -> PostgresQuery {
        let o = PostgresQuery(unsafeSQL: offer)
        return """
            (SELECT count(*) FROM placements pl WHERE pl.forbund_id = \(o).forbund_id AND pl.employer_id = \(o).employer_id
             AND pl.outcome IS DISTINCT FROM 'dropped_out')
            """
    }

    static let columns: PostgresQuery = """
        pl.id, pl.suggestion_id, pl.participant_id, pl.offer_id, pl.employer_id, pl.type, pl.start_date, pl.end_date,
        pl.hours_per_week, pl.supports, pl.handledare_name, pl.handledare_contact, pl.keeps_seeking, pl.note, pl.ended_on,
        pl.outcome, pl.end_note, pl.follow_along_ended_on, pl.version, pl.created_at, pl.updated_at, pl.created_at::text AS created_key
        """

    /// Records a placement from suggestion `suggestionID` (`employer_interested` or `contacted`), in
    /// one transaction: the placement and its anonymous statistics row; the suggestion `placed`;
    /// unless the participant keeps seeking, their other suggestions under way withdrawn
    /// (`placed_elsewhere`) and their seeking turned off; the offer `filled` when its active
    /// placements reach its positions (which withdraws its other suggestions); the first check-ins;
    /// `placement.started`. The supports applied for must be among those disclosed to the employer,
    /// and eligible for the placement as recorded (its type, hours and start, by the catalog in
    /// force today): each is kept with the amount estimated then.
    public func start(forbundID: UUID, suggestionID: UUID, _ input: PlacementInput.Checked, ifVersion: Int?, today: CalendarDate,
                      by context: AuditContext, in transaction: PostgresTransaction) async throws -> Placement {
        guard let pair = try await transaction.query("""
            SELECT s.participant_id, s.offer_id FROM suggestions s WHERE s.forbund_id = \(forbundID) AND s.id = \(suggestionID)
            """).first else { throw StoreError.notFound }
        let participantID = try pair.decode(UUID.self, "participant_id")
        let offerID = try pair.decode(UUID.self, "offer_id")
        let offer = try await lockOffer(forbundID: forbundID, id: offerID, in: transaction)
        try await ParticipantStore().lockVersion(forbundID: forbundID, id: participantID, ifVersion: nil, in: transaction)
        // Every suggestion row this placement may change, in one statement and in id order.
        try await transaction.execute("""
            SELECT id FROM suggestions WHERE forbund_id = \(forbundID) AND (id = \(suggestionID)
                OR (state IN \(SuggestionState.sqlList(SuggestionState.underWay))
                    AND (participant_id = \(participantID) OR offer_id = \(offerID))))
            ORDER BY id FOR UPDATE
            """)
        let review = SuggestionReview()
        let row = try await review.lock(AccessScope(forbundID: forbundID), id: suggestionID, allowed: SuggestionState.placeable,
                                        action: "a placement", ifVersion: ifVersion, in: transaction)
        guard row.participantID == participantID, row.offerID == offerID else { throw StoreError.notFound }
        guard offer.status == .open else {
            var errors = FieldErrors()
            errors.add("/offer", rule: "status", "the offer is \(offer.status.rawValue); a placement needs an open offer")
            throw StoreError.conflict(errors)
        }
        guard offer.taken < offer.positions else {
            var errors = FieldErrors()
            errors.add("/offer", rule: "positions", "every position of the offer is taken (\(offer.taken) of \(offer.positions))")
            throw StoreError.conflict(errors)
        }
        let disclosed = try await transaction.query("""
            SELECT disclosed_supports FROM suggestions WHERE forbund_id = \(forbundID) AND id = \(suggestionID)
            """)[0].decode([String].self, "disclosed_supports")
        let type = input.type ?? offer.type
        let verdicts = try await supports(forbundID: forbundID, participantID: participantID, offerID: offerID, type: type,
                                          input: input, in: transaction)
        var errors = FieldErrors()
        var applied: [Placement.AppliedSupport] = []
        for (index, code) in input.supportsAppliedFor.enumerated() {
            if !disclosed.contains(code) {
                errors.add("/supports_applied_for/\(index)", rule: "disclosed",
                           "must be one of the supports disclosed to the employer: \(disclosed.sorted().joined(separator: ", "))")
            } else if applied.contains(where: { $0.code == code }) {
                errors.add("/supports_applied_for/\(index)", rule: "unique", "is named twice")
            } else if let verdict = verdicts.first(where: { $0.code == code && $0.applies }) {
                applied.append(Placement.AppliedSupport(verdict))
            } else {
                errors.add("/supports_applied_for/\(index)", rule: "eligible",
                           "the pair is not eligible for it as this placement is recorded (type, hours, start date)")
            }
        }
        if !errors.entries.isEmpty { throw errors }

        let statisticsID = try await transaction.query("""
            INSERT INTO placement_statistics (forbund_id, placement_type, start_month, gender, days_seeking_to_start)
            SELECT \(forbundID), \(type.rawValue), date_trunc('month', \(input.startDate)::date)::date, st.gender,
                   greatest(0, \(input.startDate)::date - p.created_at::date)
            FROM participants p JOIN participant_statistics st ON st.forbund_id = p.forbund_id AND st.id = p.statistics_id
            WHERE p.forbund_id = \(forbundID) AND p.id = \(participantID)
            RETURNING id
            """)[0].decode(UUID.self, "id")
        let id = try await transaction.query("""
            INSERT INTO placements (forbund_id, suggestion_id, participant_id, offer_id, employer_id, type, start_date, end_date,
                hours_per_week, supports, handledare_name, handledare_contact, keeps_seeking, note, statistics_id, created_by)
            VALUES (\(forbundID), \(suggestionID), \(participantID), \(offerID), \(row.employerID), \(type.rawValue), \(input.startDate),
                \(input.endDate), \(input.hoursPerWeek), \(PostgresJSONB(applied)), \(input.handledareName), \(input.handledareContact),
                \(input.keepsSeeking), \(input.note), \(statisticsID), \(context.actor))
            RETURNING id
            """)[0].decode(UUID.self, "id")
        try await AuditLog().record(.create, entity: Self.entity, ids: [id], forbundID: forbundID, context: context, in: transaction)
        try await review.move(row, to: .placed, note: input.note, by: context, in: transaction)
        try await transaction.execute("""
            UPDATE participant_statistics SET placed = true
            WHERE forbund_id = \(forbundID) AND id = (SELECT statistics_id FROM participants WHERE forbund_id = \(forbundID) AND id = \(participantID))
            """)
        if !input.keepsSeeking {
            try await SuggestionStore().withdrawAll(forbundID: forbundID, participantID: participantID, reason: "placed_elsewhere",
                                                    actor: context.actor, meta: context.meta, in: transaction)
            try await ParticipantStore().setSeeking(false, forbundID: forbundID, id: participantID, by: context, in: transaction)
        }
        let change = OfferStore.Change(actor: context.actor, requestID: context.requestID)
        if offer.taken + 1 >= offer.positions {
            _ = try await OfferStore().applyStatus(AccessScope(forbundID: forbundID), id: offerID, from: .open, to: .filled,
                                                   note: "placement", by: change, in: transaction)
        }
        // The employer's successes count in every one of its offers' scores.
        try await MatchingJobs.rematchOffers(ofEmployer: row.employerID, forbundID: forbundID, meta: context.meta, in: transaction)
        try await EventLog().append(Event(.placementStarted, suggestionID: suggestionID, participantID: participantID, offerID: offerID,
                                          employerID: row.employerID, placementID: id), forbundID: forbundID, in: transaction)
        try await followAlong.schedule(forbundID: forbundID, placementID: id, start: input.startDate, today: today, in: transaction)
        return try await load(forbundID: forbundID, id: id, on: transaction.connection)!
    }

    /// Ends an active placement on `input.endedOn` with its outcome: its position is free (the offer
    /// stays as it is; a coordinator may open it again), the statistics row gets the days it lasted
    /// (from the start to the end; 0 for one that fell through before it started) and the outcome,
    /// and, when it ended early (before its planned end, or with none planned), one contact is
    /// planned within `[follow_along] early_end_days`. The follow-along goes on (IPS follows the
    /// person, not the job) until the coordinator ends it.
    public func end(forbundID: UUID, id: UUID, _ input: PlacementEndInput.Checked, ifVersion: Int?, today: CalendarDate,
                    by context: AuditContext, in transaction: PostgresTransaction) async throws -> Placement {
        guard let found = try await transaction.query("""
            SELECT offer_id, participant_id, created_at::date AS recorded_on FROM placements WHERE forbund_id = \(forbundID) AND id = \(id)
            """).first else { throw StoreError.notFound }
        let participantID = try found.decode(UUID.self, "participant_id")
        _ = try await lockOffer(forbundID: forbundID, id: try found.decode(UUID.self, "offer_id"), in: transaction)
        try await ParticipantStore().lockVersion(forbundID: forbundID, id: participantID, ifVersion: nil, in: transaction)
        let placement = try await lock(forbundID: forbundID, id: id, ifVersion: ifVersion, in: transaction)
        if let ended = placement.endedOn {
            var errors = FieldErrors()
            errors.add("/ended_on", rule: "ended", "the placement ended on \(ended)")
            throw StoreError.conflict(errors)
        }
        // A placement recorded ahead of its start may fall through before it starts: it ends no
        // earlier than the day it was recorded.
        let earliest = min(placement.startDate, try found.decode(CalendarDate.self, "recorded_on"))
        if input.endedOn < earliest {
            var errors = FieldErrors()
            errors.add("/ended_on", rule: "after_start", "must be on or after \(earliest) (the start, or the day it was recorded if earlier)")
            throw errors
        }
        try await transaction.execute("""
            UPDATE placements SET ended_on = \(input.endedOn), outcome = \(input.outcome.rawValue), end_note = \(input.note),
                version = version + 1, updated_at = now()
            WHERE forbund_id = \(forbundID) AND id = \(id)
            """)
        try await transaction.execute("""
            UPDATE placement_statistics SET days_lasted = greatest(0, \(input.endedOn)::date - \(placement.startDate)::date),
                outcome = \(input.outcome.rawValue)
            WHERE forbund_id = \(forbundID) AND id = (SELECT statistics_id FROM placements WHERE forbund_id = \(forbundID) AND id = \(id))
            """)
        try await transaction.execute("""
            UPDATE participant_statistics SET outcome = \(input.outcome.rawValue)
            WHERE forbund_id = \(forbundID) AND id = (SELECT statistics_id FROM participants WHERE forbund_id = \(forbundID) AND id = \(placement.participantID))
            """)
        try await AuditLog().record(.update, entity: Self.entity, ids: [id], forbundID: forbundID, context: context, in: transaction)
        let early = placement.endDate.map { input.endedOn < $0 } ?? true
        try await followAlong.placementEnded(forbundID: forbundID, placementID: id, endedOn: input.endedOn, early: early,
                                             today: today, in: transaction)
        if input.resumeSeeking {
            try await ParticipantStore().setSeeking(true, forbundID: forbundID, id: placement.participantID, by: context, in: transaction)
        }
        try await MatchingJobs.rematchOffers(ofEmployer: placement.employerID, forbundID: forbundID, meta: context.meta, in: transaction)
        try await EventLog().append(Event(.placementEnded, suggestionID: placement.suggestionID, participantID: placement.participantID,
                                          offerID: placement.offerID, employerID: placement.employerID, placementID: id),
                                    forbundID: forbundID, in: transaction)
        return try await load(forbundID: forbundID, id: id, on: transaction.connection)!
    }

    /// One placement, without auditing (the caller audits the read).
    public func get(forbundID: UUID, id: UUID, on connection: PostgresConnection) async throws -> Placement? {
        try await load(forbundID: forbundID, id: id, on: connection)
    }

    /// Placements of the förbund, oldest first, filtered, a page at a time.
    public func list(forbundID: UUID, filter: Filter, page: PageRequest, on connection: PostgresConnection) async throws -> Page<Placement> {
        var condition: PostgresQuery = "pl.forbund_id = \(forbundID)"
        if let id = filter.participantID { condition = "\(condition) AND pl.participant_id = \(id)" }
        if let id = filter.employerID { condition = "\(condition) AND pl.employer_id = \(id)" }
        if let id = filter.offerID { condition = "\(condition) AND pl.offer_id = \(id)" }
        if let active = filter.active { condition = "\(condition) AND (pl.ended_on IS NULL) = \(active)" }
        condition = try CreationOrder.condition(condition, after: page, alias: "pl")
        let rows = try await connection.query("""
            SELECT \(Self.columns) FROM placements pl WHERE \(condition) \(CreationOrder.orderAndLimit(page, alias: "pl"))
            """)
        return try CreationOrder.page(rows, page, id: \.id, item: Self.placement)
    }

    /// An offer locked for a placement write, with what the placement checks.
    struct LockedOffer {
        var status: OfferStatus
        var type: PlacementType
        var positions: Int
        var taken: Int
    }

    /// Locks the offer, its employer (`FOR KEY SHARE`), then the förbund's offer-index version row
    /// (see the lock order above).
    func lockOffer(forbundID: UUID, id: UUID, in transaction: PostgresTransaction) async throws -> LockedOffer {
        guard let row = try await transaction.query("""
            SELECT o.status, o.type, o.positions, o.employer_id FROM placement_offers o
            WHERE o.forbund_id = \(forbundID) AND o.id = \(id) FOR NO KEY UPDATE
            """).first else { throw StoreError.notFound }
        try await transaction.execute("""
            SELECT 1 FROM employers WHERE forbund_id = \(forbundID) AND id = \(try row.decode(UUID.self, "employer_id")) FOR KEY SHARE
            """)
        try await transaction.execute("SELECT 1 FROM offer_index_versions WHERE forbund_id = \(forbundID) FOR UPDATE")
        // Counted after the lock: every placement of this offer that committed before it is in.
        let taken = try await Self.positionsTaken(forbundID: forbundID, offerID: id, on: transaction.connection)
        func value<E: RawRepresentable>(_ column: String) throws -> E where E.RawValue == String {
            let text = try row.decode(String.self, column)
            guard let value = E(rawValue: text) else { throw StoredValueError(column: column, value: text) }
            return value
        }
        return LockedOffer(status: try value("status"), type: try value("type"), positions: try row.decode(Int.self, "positions"),
                           taken: taken)
    }

    /// The pair's supports as the placement is recorded: the offer with the placement's type and
    /// hours, starting on its start date, by the catalog in force.
    func supports(forbundID: UUID, participantID: UUID, offerID: UUID, type: PlacementType, input: PlacementInput.Checked,
                  in transaction: PostgresTransaction) async throws -> [SupportEvaluator.Verdict] {
        let scope = AccessScope(forbundID: forbundID)
        guard let offer = try await OfferStore().get(scope, id: offerID, on: transaction.connection),
              let employer = try await EmployerStore().get(scope, id: offer.employerID, on: transaction.connection),
              let participant = try await ParticipantStore().load(forbundID: forbundID, id: participantID, on: transaction.connection)
        else { throw StoreError.notFound }
        let situation = SupportEvaluator.Situation(
            facts: participant.fields.facts, offerType: type, monthlyWage: offer.fields.monthlyWage, hoursMax: input.hoursPerWeek,
            employerSector: employer.fields.sector, startDate: input.startDate)
        return evaluator.evaluate(try await SupportCatalogStore().definitions(on: transaction.connection), for: situation)
    }

    /// Locks a placement's row and checks its version.
    func lock(forbundID: UUID, id: UUID, ifVersion: Int?, in transaction: PostgresTransaction) async throws -> Placement {
        let rows = try await transaction.query("""
            SELECT \(Self.columns) FROM placements pl WHERE pl.forbund_id = \(forbundID) AND pl.id = \(id) FOR UPDATE
            """)
        try StoreError.requireVersion(of: rows.first, matching: ifVersion)
        return try Self.placement(rows[0])
    }

    func load(forbundID: UUID, id: UUID, on connection: PostgresConnection) async throws -> Placement? {
        try await connection.query("SELECT \(Self.columns) FROM placements pl WHERE pl.forbund_id = \(forbundID) AND pl.id = \(id)")
            .first.map(Self.placement)
    }

    static func placement(_ row: PostgresRow) throws -> Placement {
        let typeText = try row.decode(String.self, "type")
        guard let type = PlacementType(rawValue: typeText) else { throw StoredValueError(column: "type", value: typeText) }
        return Placement(
            id: try row.decode(UUID.self, "id"), suggestionID: try row.decode(UUID.self, "suggestion_id"),
            participantID: try row.decode(UUID.self, "participant_id"), offerID: try row.decode(UUID.self, "offer_id"),
            employerID: try row.decode(UUID.self, "employer_id"), type: type, startDate: try row.decode(CalendarDate.self, "start_date"),
            endDate: try row.decode(CalendarDate?.self, "end_date"), hoursPerWeek: try row.decode(Int.self, "hours_per_week"),
            supports: try row.decode(PostgresJSONB<[Placement.AppliedSupport]>.self, "supports").value,
            handledareName: try row.decode(String.self, "handledare_name"),
            handledareContact: try row.decode(String.self, "handledare_contact"),
            keepsSeeking: try row.decode(Bool.self, "keeps_seeking"), note: try row.decode(String?.self, "note"),
            endedOn: try row.decode(CalendarDate?.self, "ended_on"),
            outcome: try row.decode(String?.self, "outcome").flatMap(PlacementOutcome.init(rawValue:)),
            endNote: try row.decode(String?.self, "end_note"),
            followAlongEndedOn: try row.decode(CalendarDate?.self, "follow_along_ended_on"),
            version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
