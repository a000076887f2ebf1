import Foundation

/// The SQL of a placement's follow-along: check-ins created ahead by the plan (`FollowAlongPlan`),
/// recorded once each, raised as `check_in.due` and `check_in.overdue` by the daily job, and
/// cancelled when the placement or the follow-along ends.
///
/// At most `plan.pendingAhead` pending check-ins are due after today; the next is created when one
/// is recorded or falls due, until the coordinator ends the follow-along (IPS follows the person,
/// not the job: the plan goes on after the placement ends). A check-in created due today is raised
/// at once. `plan_step` numbers the plan's steps, so changing `[follow_along]` renumbers the steps
/// of placements already followed: their next contacts follow the new plan from the step number
/// they reached.
public struct FollowAlongStore: Sendable {
    /// The plan.
    public let plan: FollowAlongPlan

    /// The audit log's name for a check-in.
    static let entity = "check_in"

    /// A store that follows `plan`.
    public init(plan: FollowAlongPlan = FollowAlongPlan()) { self.plan = plan }

    static let columns: PostgresQuery = """
        c.id, c.placement_id, c.kind, c.due_on, c.state, c.done_on, c.with_whom, c.status, c.note, c.recorded_by, c.version
        """

    /// A placement's check-ins by due date; nil when there is no such placement.
    public func list(forbundID: UUID, placementID: UUID, on connection: PostgresConnection) async throws -> [CheckIn]? {
        let rows = try await connection.query("""
            SELECT \(Self.columns), pl.id AS found FROM placements pl
            LEFT JOIN check_ins c ON c.forbund_id = pl.forbund_id AND c.placement_id = pl.id
            WHERE pl.forbund_id = \(forbundID) AND pl.id = \(placementID)
            ORDER BY c.due_on, c.id
            """)
        guard !rows.isEmpty else { return nil }
        return try rows.compactMap { row in try row.decode(UUID?.self, "id") == nil ? nil : try Self.checkIn(row) }
    }

    /// Records the contact of a pending check-in. `at_risk` tells the coordinators at once
    /// (`check_in.at_risk`); the next planned check-in is created while the follow-along runs.
    public func record(forbundID: UUID, placementID: UUID, id: UUID, _ input: CheckInInput.Checked, ifVersion: Int?,
                       today: CalendarDate, by context: AuditContext, in transaction: PostgresTransaction) async throws -> CheckIn {
        let placement = try await lockPlacement(forbundID: forbundID, id: placementID, in: transaction)
        let rows = try await transaction.query("""
            SELECT \(Self.columns) FROM check_ins c
            WHERE c.forbund_id = \(forbundID) AND c.placement_id = \(placementID) AND c.id = \(id) FOR UPDATE
            """)
        try StoreError.requireVersion(of: rows.first, matching: ifVersion)
        let current = try Self.checkIn(rows[0])
        guard current.state == .pending else {
            var errors = FieldErrors()
            errors.add("/state", rule: "pending", "the check-in is \(current.state.rawValue); only a pending one can be recorded")
            throw StoreError.conflict(errors)
        }
        try await transaction.execute("""
            UPDATE check_ins SET state = 'done', done_on = \(input.doneOn), with_whom = \(input.withWhom.rawValue),
                status = \(input.status.rawValue), note = \(input.note), recorded_by = \(context.actor), recorded_at = now(),
                version = version + 1
            WHERE forbund_id = \(forbundID) AND id = \(id)
            """)
        try await AuditLog().record(.update, entity: Self.entity, ids: [id], forbundID: forbundID, context: context, in: transaction)
        if input.status == .atRisk {
            try await EventLog().append(Event(.checkInAtRisk, participantID: placement.participantID, offerID: placement.offerID,
                                              employerID: placement.employerID, placementID: placementID, checkInID: id),
                                        forbundID: forbundID, in: transaction)
        }
        if placement.followed {
            try await schedule(forbundID: forbundID, placementID: placementID, start: placement.start, today: today, in: transaction)
        }
        return try Self.checkIn(try await transaction.query("""
            SELECT \(Self.columns) FROM check_ins c WHERE c.forbund_id = \(forbundID) AND c.id = \(id)
            """)[0])
    }

    /// Ends a placement's follow-along on `endedOn`: no more check-ins are planned and the pending
    /// ones are cancelled. Ending it twice is a conflict.
    public func end(forbundID: UUID, placementID: UUID, endedOn: CalendarDate, ifVersion: Int?, by context: AuditContext,
                    in transaction: PostgresTransaction) async throws -> Placement {
        let store = PlacementStore(plan: plan)
        let placement = try await store.lock(forbundID: forbundID, id: placementID, ifVersion: ifVersion, in: transaction)
        if let ended = placement.followAlongEndedOn {
            var errors = FieldErrors()
            errors.add("/ended_on", rule: "ended", "the follow-along ended on \(ended)")
            throw StoreError.conflict(errors)
        }
        if endedOn < placement.startDate.adding(days: -plan.daysBeforeStart) {
            var errors = FieldErrors()
            errors.add("/ended_on", rule: "after_start", "must not be before the follow-along began")
            throw errors
        }
        try await transaction.execute("""
            UPDATE placements SET follow_along_ended_on = \(endedOn), version = version + 1, updated_at = now()
            WHERE forbund_id = \(forbundID) AND id = \(placementID)
            """)
        try await transaction.execute("""
            UPDATE check_ins SET state = 'cancelled', version = version + 1
            WHERE forbund_id = \(forbundID) AND placement_id = \(placementID) AND state = 'pending'
            """)
        try await AuditLog().record(.update, entity: PlacementStore.entity, ids: [placementID], forbundID: forbundID, context: context,
                                    in: transaction)
        return try await store.load(forbundID: forbundID, id: placementID, on: transaction.connection)!
    }

    /// What the daily job raised.
    public struct Raised: Sendable, Equatable {
        /// `check_in.due` events.
        public var due = 0
        /// `check_in.overdue` events.
        public var overdue = 0
    }

    /// Raises, for one förbund, `check_in.due` for pending check-ins due on or before `today` and
    /// `check_in.overdue` for those `plan.overdueAfterDays` past it, each once (a check-in already
    /// overdue when first seen is raised as overdue only), and plans the next check-ins of the
    /// placements whose check-ins fell due. Placements are locked first, in id order, as a check-in
    /// write locks its placement before its check-ins.
    public func raise(forbundID: UUID, today: CalendarDate, in transaction: PostgresTransaction) async throws -> Raised {
        let overdueOn = today.adding(days: -plan.overdueAfterDays)
        let pending: PostgresQuery = """
            c.forbund_id = \(forbundID) AND c.state = 'pending'
            AND ((c.due_raised_at IS NULL AND c.due_on <= \(today)) OR (c.overdue_raised_at IS NULL AND c.due_on <= \(overdueOn)))
            """
        try await transaction.execute("""
            SELECT pl.id FROM placements pl WHERE pl.forbund_id = \(forbundID)
            AND pl.id IN (SELECT c.placement_id FROM check_ins c WHERE \(pending)) ORDER BY pl.id FOR NO KEY UPDATE
            """)
        let rows = try await transaction.query("""
            SELECT c.id, c.placement_id, c.due_on <= \(overdueOn) AS overdue,
                   pl.participant_id, pl.offer_id, pl.employer_id, pl.start_date, pl.follow_along_ended_on IS NULL AS followed
            FROM check_ins c JOIN placements pl ON pl.forbund_id = c.forbund_id AND pl.id = c.placement_id
            WHERE \(pending) ORDER BY c.id FOR UPDATE OF c
            """)
        var raised = Raised()
        var events: [Event] = []
        var followed: [UUID: CalendarDate] = [:]
        var ids: [UUID] = []
        for row in rows {
            let id = try row.decode(UUID.self, "id")
            ids.append(id)
            let placementID = try row.decode(UUID.self, "placement_id")
            let overdue = try row.decode(Bool.self, "overdue")
            let kind: Event.Kind = overdue ? .checkInOverdue : .checkInDue
            if overdue { raised.overdue += 1 } else { raised.due += 1 }
            events.append(Event(kind, participantID: try row.decode(UUID.self, "participant_id"),
                                offerID: try row.decode(UUID.self, "offer_id"), employerID: try row.decode(UUID.self, "employer_id"),
                                placementID: placementID, checkInID: id))
            if try row.decode(Bool.self, "followed") { followed[placementID] = try row.decode(CalendarDate.self, "start_date") }
        }
        // The rows read above, by id: one created since (a check-in due today) is raised by its creator.
        try await transaction.execute("""
            UPDATE check_ins c SET due_raised_at = coalesce(c.due_raised_at, now()),
                overdue_raised_at = coalesce(c.overdue_raised_at, CASE WHEN c.due_on <= \(overdueOn) THEN now() END)
            WHERE c.forbund_id = \(forbundID) AND c.id = ANY(\(ids)::uuid[])
            """)
        try await EventLog().append(events, forbundID: forbundID, in: transaction)
        for (placementID, start) in followed.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            try await schedule(forbundID: forbundID, placementID: placementID, start: start, today: today, in: transaction)
        }
        return raised
    }

    /// The förbund with check-ins to raise on `today`.
    public func forbundToRaise(today: CalendarDate, on connection: PostgresConnection) async throws -> [UUID] {
        try await connection.query("""
            SELECT DISTINCT forbund_id FROM check_ins
            WHERE state = 'pending' AND due_on <= \(today) AND (due_raised_at IS NULL OR overdue_raised_at IS NULL)
            ORDER BY forbund_id
            """).map { try $0.decode(UUID.self, "forbund_id") }
    }

    /// Creates the plan's next check-ins due after `today` until `plan.pendingAhead` are pending ahead.
    func schedule(forbundID: UUID, placementID: UUID, start: CalendarDate, today: CalendarDate,
                  in transaction: PostgresTransaction) async throws {
        let row = try await transaction.query("""
            SELECT max(plan_step) AS last, count(*) FILTER (WHERE state = 'pending' AND due_on > \(today)) AS ahead
            FROM check_ins WHERE forbund_id = \(forbundID) AND placement_id = \(placementID)
            """)[0]
        let missing = plan.pendingAhead - (try row.decode(Int.self, "ahead"))
        guard missing > 0 else { return }
        let steps = plan.upcoming(after: try row.decode(Int?.self, "last"), start: start, today: today, count: missing)
        guard !steps.isEmpty else { return }
        try await transaction.execute("""
            INSERT INTO check_ins (forbund_id, placement_id, plan_step, kind, due_on)
            SELECT \(forbundID), \(placementID), step, kind, due
            FROM unnest(\(steps.map(\.index))::int[], \(steps.map(\.kind.rawValue))::text[], \(steps.map(\.due.description))::date[])
                AS s(step, kind, due)
            """)
        try await raiseDueToday(forbundID: forbundID, placementID: placementID, today: today, in: transaction)
    }

    /// Raises `check_in.due` now for a placement's check-ins created due on `today` (the daily job
    /// has run, or will not see them before tomorrow).
    func raiseDueToday(forbundID: UUID, placementID: UUID, today: CalendarDate, in transaction: PostgresTransaction) async throws {
        let rows = try await transaction.query("""
            UPDATE check_ins c SET due_raised_at = now() FROM placements pl
            WHERE c.forbund_id = \(forbundID) AND c.placement_id = \(placementID) AND c.state = 'pending' AND c.due_on = \(today)
              AND c.due_raised_at IS NULL AND pl.forbund_id = c.forbund_id AND pl.id = c.placement_id
            RETURNING c.id, pl.participant_id, pl.offer_id, pl.employer_id
            """)
        try await EventLog().append(try rows.map { row in
            Event(.checkInDue, participantID: try row.decode(UUID.self, "participant_id"), offerID: try row.decode(UUID.self, "offer_id"),
                  employerID: try row.decode(UUID.self, "employer_id"), placementID: placementID, checkInID: try row.decode(UUID.self, "id"))
        }, forbundID: forbundID, in: transaction)
    }

    /// A placement ended: when it ended early and the follow-along runs, one contact is planned
    /// (`plan.earlyEndDays`); the plan's own contacts go on.
    func placementEnded(forbundID: UUID, placementID: UUID, endedOn: CalendarDate, early: Bool, today: CalendarDate,
                        in transaction: PostgresTransaction) async throws {
        guard early else { return }
        try await transaction.execute("""
            INSERT INTO check_ins (forbund_id, placement_id, kind, due_on)
            SELECT forbund_id, id, 'early_end', \(plan.earlyEndDue(endedOn: endedOn, today: today))
            FROM placements WHERE forbund_id = \(forbundID) AND id = \(placementID) AND follow_along_ended_on IS NULL
            """)
    }

    /// What a check-in write needs of its placement.
    struct FollowedPlacement {
        var participantID: UUID
        var offerID: UUID
        var employerID: UUID
        var start: CalendarDate
        /// The follow-along not ended: the plan goes on.
        var followed: Bool
    }

    /// Locks a placement for a check-in write (`FOR NO KEY UPDATE`): its ending, the end of its
    /// follow-along, the daily job and another check-in write wait for it, so two writers never
    /// plan the same step. Throws not found.
    func lockPlacement(forbundID: UUID, id: UUID, in transaction: PostgresTransaction) async throws -> FollowedPlacement {
        guard let row = try await transaction.query("""
            SELECT participant_id, offer_id, employer_id, start_date, follow_along_ended_on IS NULL AS followed
            FROM placements WHERE forbund_id = \(forbundID) AND id = \(id) FOR NO KEY UPDATE
            """).first else { throw StoreError.notFound }
        return FollowedPlacement(participantID: try row.decode(UUID.self, "participant_id"), offerID: try row.decode(UUID.self, "offer_id"),
                                 employerID: try row.decode(UUID.self, "employer_id"),
                                 start: try row.decode(CalendarDate.self, "start_date"), followed: try row.decode(Bool.self, "followed"))
    }

    static func checkIn(_ row: PostgresRow) throws -> CheckIn {
        func value<E: RawRepresentable>(_ column: String) throws -> E? where E.RawValue == String {
            guard let text = try row.decode(String?.self, column) else { return nil }
            guard let value = E(rawValue: text) else { throw StoredValueError(column: column, value: text) }
            return value
        }
        guard let kind: FollowAlongPlan.Kind = try value("kind"), let state: CheckIn.State = try value("state") else {
            throw StoredValueError(column: "kind", value: "null")
        }
        return CheckIn(id: try row.decode(UUID.self, "id"), placementID: try row.decode(UUID.self, "placement_id"), kind: kind,
                       dueOn: try row.decode(CalendarDate.self, "due_on"), state: state,
                       doneOn: try row.decode(CalendarDate?.self, "done_on"), withWhom: try value("with_whom"),
                       status: try value("status"), note: try row.decode(String?.self, "note"),
                       recordedBy: try row.decode(String?.self, "recorded_by"), version: try row.decode(Int.self, "version"))
    }
}
