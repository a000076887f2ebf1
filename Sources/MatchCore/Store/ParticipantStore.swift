import Foundation

/// The SQL of participants and their consents. Every read and write is audited in its own
/// transaction, and every write enqueues `match.participant` in it (see `MatchingJobs`).
public struct ParticipantStore: Sendable {
    let queue: JobQueue
    let audit = AuditLog()

    /// A store that enqueues on `queue`.
    public init(queue: JobQueue = JobQueue()) { self.queue = queue }

    static let entity = "participant"

    static let columns: PostgresQuery = """
        p.forbund_id, p.id, p.profile, p.version, p.created_at, p.updated_at,
        (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'purpose', c.purpose, 'given_on', c.given_on,
                'withdrawn_on', c.withdrawn_on, 'recorded_by', c.recorded_by) ORDER BY c.recorded_at, c.id), '[]')
         FROM participant_consents c WHERE c.forbund_id = p.forbund_id AND c.participant_id = p.id) AS consents
        """

    /// Registers a participant.
    /// `id` is new unless given (the demo data set gives ids from its seed, so ties rank alike on every load).
    public func create(forbundID: UUID, id newID: UUID = UUID(), fields: ParticipantFields, today: CalendarDate, by context: AuditContext,
                       in transaction: PostgresTransaction) async throws -> Participant {
        try await TenancyStore().requireCoordinator(fields.responsibleCoordinatorID, forbundID: forbundID, in: transaction)
        let statistics = try await transaction.query("""
            INSERT INTO participant_statistics (forbund_id, gender, start_year) VALUES (\(forbundID), \(fields.gender.rawValue), \(today.year))
            RETURNING id
            """)[0].decode(UUID.self, "id")
        let id: UUID
        do {
            id = try await transaction.savepoint { tx in
                try await tx.query("""
                    INSERT INTO participants (forbund_id, id, case_reference, responsible_coordinator_id, seeking, profile, statistics_id)
                    VALUES (\(forbundID), \(newID), \(fields.caseReference), \(fields.responsibleCoordinatorID), \(fields.seeking),
                            \(PostgresJSONB(fields)), \(statistics))
                    RETURNING id
                    """)[0].decode(UUID.self, "id")
            }
        } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation {
            throw Self.referenceTaken
        }
        try await audit.record(.create, entity: Self.entity, ids: [id], forbundID: forbundID, context: context, in: transaction)
        try await enqueueMatching(id, forbundID: forbundID, context, in: transaction)
        return try await load(forbundID: forbundID, id: id, on: transaction.connection)!
    }

    /// One participant; the read is audited.
    public func get(forbundID: UUID, id: UUID, by context: AuditContext, in transaction: PostgresTransaction) async throws -> Participant? {
        guard let participant = try await load(forbundID: forbundID, id: id, on: transaction.connection) else { return nil }
        try await audit.record(.read, entity: Self.entity, ids: [id], forbundID: forbundID, context: context, in: transaction)
        return participant
    }

    /// The participant with a case reference; the read is audited.
    public func get(forbundID: UUID, caseReference: String, by context: AuditContext,
                    in transaction: PostgresTransaction) async throws -> Participant? {
        let rows = try await transaction.query("""
            SELECT id FROM participants WHERE forbund_id = \(forbundID) AND case_reference = \(caseReference)
            """)
        guard let id = try rows.first?.decode(UUID.self, "id") else { return nil }
        return try await get(forbundID: forbundID, id: id, by: context, in: transaction)
    }

    /// Participants by case reference, a page at a time; each one listed is an audited read.
    public func list(forbundID: UUID, page: PageRequest, by context: AuditContext,
                     in transaction: PostgresTransaction) async throws -> Page<Participant> {
        var condition: PostgresQuery = "p.forbund_id = \(forbundID)"
        if let after = page.after {
            guard after.values.count == 1 else { throw PageCursorError() }
            condition = "\(condition) AND p.case_reference > \(after.values[0])"
        }
        let rows = try await transaction.query("""
            SELECT \(Self.columns), p.case_reference FROM participants p WHERE \(condition)
            ORDER BY p.case_reference LIMIT \(page.limit + 1)
            """)
        let items = try rows.prefix(page.limit).map(Self.participant)
        try await audit.record(.read, entity: Self.entity, ids: items.map(\.id), forbundID: forbundID, context: context,
                               in: transaction)
        let next = rows.count > page.limit ? items.last.map { PageCursor(values: [$0.fields.caseReference]).encoded } : nil
        return Page(items: items, nextCursor: next)
    }

    /// Replaces a participant's fields.
    public func replace(forbundID: UUID, id: UUID, fields: ParticipantFields, ifVersion: Int?, by context: AuditContext,
                        in transaction: PostgresTransaction) async throws -> Participant {
        try await lockVersion(forbundID: forbundID, id: id, ifVersion: ifVersion, in: transaction)
        try await TenancyStore().requireCoordinator(fields.responsibleCoordinatorID, forbundID: forbundID, in: transaction)
        do {
            try await transaction.savepoint { tx in
                try await tx.execute("""
                    UPDATE participants SET case_reference = \(fields.caseReference),
                        responsible_coordinator_id = \(fields.responsibleCoordinatorID), seeking = \(fields.seeking),
                        profile = \(PostgresJSONB(fields)), version = version + 1, updated_at = now()
                    WHERE forbund_id = \(forbundID) AND id = \(id)
                    """)
            }
        } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation {
            throw Self.referenceTaken
        }
        try await transaction.execute("""
            UPDATE participant_statistics s SET gender = \(fields.gender.rawValue) FROM participants p
            WHERE p.forbund_id = \(forbundID) AND p.id = \(id) AND s.forbund_id = p.forbund_id AND s.id = p.statistics_id
            """)
        return try await changed(forbundID: forbundID, id: id, context, in: transaction)
    }

    /// Records a consent.
    public func addConsent(forbundID: UUID, participantID: UUID, purpose: Consent.Purpose, givenOn: CalendarDate,
                           by context: AuditContext, in transaction: PostgresTransaction) async throws -> Participant {
        try await lockVersion(forbundID: forbundID, id: participantID, ifVersion: nil, in: transaction)
        try await transaction.execute("""
            INSERT INTO participant_consents (forbund_id, participant_id, purpose, given_on, recorded_by)
            VALUES (\(forbundID), \(participantID), \(purpose.rawValue), \(givenOn), \(context.actor))
            """)
        try await bumpVersion(forbundID: forbundID, id: participantID, in: transaction)
        return try await changed(forbundID: forbundID, id: participantID, context, in: transaction)
    }

    /// Withdraws a consent; matching stops in the same transaction (its job is enqueued with it).
    public func withdrawConsent(forbundID: UUID, participantID: UUID, consentID: UUID, on date: CalendarDate,
                                by context: AuditContext, in transaction: PostgresTransaction) async throws -> Participant {
        try await lockVersion(forbundID: forbundID, id: participantID, ifVersion: nil, in: transaction)
        let rows = try await transaction.query("""
            SELECT purpose, given_on, withdrawn_on FROM participant_consents
            WHERE forbund_id = \(forbundID) AND participant_id = \(participantID) AND id = \(consentID) FOR UPDATE
            """)
        guard let row = rows.first else { throw StoreError.notFound }
        var errors = FieldErrors()
        if try row.decode(CalendarDate?.self, "withdrawn_on") != nil {
            errors.add("/withdrawn_on", rule: "already_withdrawn", "the consent is already withdrawn")
            throw StoreError.conflict(errors)
        }
        if try row.decode(CalendarDate.self, "given_on") > date {
            errors.add("/withdrawn_on", rule: "after_given_on", "must not be before the day the consent was given")
            throw errors
        }
        try await transaction.execute("""
            UPDATE participant_consents SET withdrawn_on = \(date) WHERE forbund_id = \(forbundID) AND id = \(consentID)
            """)
        try await bumpVersion(forbundID: forbundID, id: participantID, in: transaction)
        let purpose = try row.decode(String.self, "purpose")
        if purpose == Consent.Purpose.matching.rawValue {
            // Withdrawal stops matching now, not when the job runs: every suggestion under way goes with it.
            try await SuggestionStore().withdrawAll(forbundID: forbundID, participantID: participantID,
                                                    reason: ConstraintFailure.noConsent.rawValue, actor: context.actor,
                                                    meta: context.meta, in: transaction)
        } else if purpose == Consent.Purpose.disclosureToEmployers.rawValue,
                  try await !hasConsent(.disclosureToEmployers, forbundID: forbundID, participantID: participantID, on: .inSweden(),
                                        in: transaction) {
            // What the employer was shown is taken out of its view in this same transaction.
            try await SuggestionStore().withdrawAll(forbundID: forbundID, participantID: participantID,
                                                    states: SuggestionState.disclosed, reason: "disclosure_withdrawn",
                                                    actor: context.actor, meta: context.meta, in: transaction)
        }
        return try await changed(forbundID: forbundID, id: participantID, context, in: transaction)
    }

    /// Whether a consent for `purpose` is in force on `date` (the participant's row is locked by the caller).
    func hasConsent(_ purpose: Consent.Purpose, forbundID: UUID, participantID: UUID, on date: CalendarDate,
                    in transaction: PostgresTransaction) async throws -> Bool {
        try await !transaction.query("""
            SELECT 1 FROM participant_consents WHERE forbund_id = \(forbundID) AND participant_id = \(participantID)
            AND purpose = \(purpose.rawValue) AND given_on <= \(date) AND (withdrawn_on IS NULL OR withdrawn_on > \(date))
            """).isEmpty
    }

    func changed(forbundID: UUID, id: UUID, _ context: AuditContext, in transaction: PostgresTransaction) async throws -> Participant {
        try await audit.record(.update, entity: Self.entity, ids: [id], forbundID: forbundID, context: context, in: transaction)
        try await enqueueMatching(id, forbundID: forbundID, context, in: transaction)
        return try await load(forbundID: forbundID, id: id, on: transaction.connection)!
    }

    /// Sets whether a participant seeks work (a placement starts or ends), in the column matching
    /// filters on and the profile it reads, audited as an update and rematched. The caller has
    /// locked the row (`lockVersion`).
    func setSeeking(_ seeking: Bool, forbundID: UUID, id: UUID, by context: AuditContext,
                    in transaction: PostgresTransaction) async throws {
        let changed = try await transaction.execute("""
            UPDATE participants SET seeking = \(seeking), profile = jsonb_set(profile, '{seeking}', to_jsonb(\(seeking)::boolean)),
                version = version + 1, updated_at = now()
            WHERE forbund_id = \(forbundID) AND id = \(id) AND seeking <> \(seeking)
            """)
        guard changed > 0 else { return }
        try await audit.record(.update, entity: Self.entity, ids: [id], forbundID: forbundID, context: context, in: transaction)
        try await enqueueMatching(id, forbundID: forbundID, context, in: transaction)
    }

    func bumpVersion(forbundID: UUID, id: UUID, in transaction: PostgresTransaction) async throws {
        try await transaction.execute("""
            UPDATE participants SET version = version + 1, updated_at = now() WHERE forbund_id = \(forbundID) AND id = \(id)
            """)
    }

    /// Locks the participant's row for a write (`FOR NO KEY UPDATE`: matching jobs' share locks
    /// wait for it, rows that only reference the participant do not) and checks the version.
    func lockVersion(forbundID: UUID, id: UUID, ifVersion: Int?, in transaction: PostgresTransaction) async throws {
        let rows = try await transaction.query("""
            SELECT version FROM participants WHERE forbund_id = \(forbundID) AND id = \(id) FOR NO KEY UPDATE
            """)
        try StoreError.requireVersion(of: rows.first, matching: ifVersion)
    }


    func enqueueMatching(_ id: UUID, forbundID: UUID, _ context: AuditContext, in transaction: PostgresTransaction) async throws {
        try await MatchingJobs.enqueue([try MatchingJobs.participant(id, forbundID: forbundID, meta: context.meta)], queue: queue,
                                       in: transaction)
    }

    /// Loads without auditing: for the store's own answers to writes, which are audited as writes.
    func load(forbundID: UUID, id: UUID, on connection: PostgresConnection) async throws -> Participant? {
        try await connection.query("SELECT \(Self.columns) FROM participants p WHERE p.forbund_id = \(forbundID) AND p.id = \(id)")
            .first.map(Self.participant)
    }

    static let referenceTaken: StoreError = {
        var errors = FieldErrors()
        errors.add("/case_reference", rule: "unique", "another participant in the förbund has this case reference")
        return .conflict(errors)
    }()

    static func participant(_ row: PostgresRow) throws -> Participant {
        Participant(forbundID: try row.decode(UUID.self, "forbund_id"), id: try row.decode(UUID.self, "id"),
                    fields: try row.decode(PostgresJSONB<ParticipantFields>.self, "profile").value,
                    consents: try row.decode(PostgresJSONB<[Consent]>.self, "consents").value,
                    version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
                    updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
