import Foundation

/// The SQL of placement offers and their status history. Every change that matching cares about
/// enqueues `match.offer` in the same transaction (see `MatchingJobs`).
public struct OfferStore: Sendable {
    /// Who made a change, for the history and the matching job.
    public struct Change: Sendable {
        /// The actor as the audit log names it.
        public var actor: String
        /// The request that made it.
        public var requestID: String?
        /// Made with an employer's token: the coordinators hear of it (`offer.opened`, `offer.changed`).
        public var byEmployer: Bool

        /// A change by `actor` in `requestID`.
        public init(actor: String, requestID: String?, byEmployer: Bool = false) {
            self.actor = actor
            self.requestID = requestID
            self.byEmployer = byEmployer
        }

        var meta: JobMeta { JobMeta(actor: actor, requestID: requestID) }
    }

    /// One entry of an offer's status history.
    public struct StatusChange: Sendable, Codable, Hashable {
        /// The status before; nil when the offer was created.
        public var fromStatus: OfferStatus?
        /// The status after.
        public var toStatus: OfferStatus
        /// When.
        public var at: Date
        /// Who.
        public var actor: String
        /// Why.
        public var note: String

        enum CodingKeys: String, CodingKey {
            case fromStatus = "from_status", toStatus = "to_status", at, actor, note
        }

        /// Encodes every field, the status before a creation as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(fromStatus, forKey: .fromStatus)
            try c.encode(toStatus, forKey: .toStatus)
            try c.encode(at, forKey: .at)
            try c.encode(actor, forKey: .actor)
            try c.encode(note, forKey: .note)
        }
    }

    let queue: JobQueue

    /// A store that enqueues on `queue`.
    public init(queue: JobQueue = JobQueue()) { self.queue = queue }

    static let columns: PostgresQuery = """
        o.forbund_id, o.id, o.employer_id, o.type, o.occupation, o.title, o.description, o.required_skills, o.wanted_skills,
        o.required_languages, o.hours_min, o.hours_max, o.schedule_flexibility, o.start_date, o.duration_months,
        o.monthly_wage, o.workplace_kommunkod, o.workplace_address, o.workplace_latitude, o.workplace_longitude,
        o.workplace_coordinate_source, o.remote_possible, o.handledare_available, o.handledare_hours, o.adaptations,
        o.positions, o.supports_counted_on, o.status, o.version, o.created_at, o.updated_at, o.created_at::text AS created_key
        """

    static func scoped(_ scope: AccessScope) -> PostgresQuery {
        if let employerID = scope.employerID { return "o.forbund_id = \(scope.forbundID) AND o.employer_id = \(employerID)" }
        return "o.forbund_id = \(scope.forbundID)"
    }

    /// Registers an offer for an employer in scope, as a draft or open.
    /// `id` is new unless given (the demo data set gives ids from its seed).
    public func create(_ scope: AccessScope, id: UUID = UUID(), employerID: UUID, fields: OfferFields, status: OfferStatus, by change: Change,
                       in transaction: PostgresTransaction) async throws -> PlacementOffer {
        guard try await EmployerStore().get(scope, id: employerID, on: transaction.connection) != nil else {
            throw StoreError.notFound
        }
        let f = fields
        let rows = try await transaction.query("""
            INSERT INTO placement_offers AS o (forbund_id, id, employer_id, type, occupation, title, description, required_skills,
                wanted_skills, required_languages, hours_min, hours_max, schedule_flexibility, start_date, duration_months,
                monthly_wage, workplace_kommunkod, workplace_address, workplace_latitude, workplace_longitude,
                workplace_coordinate_source, remote_possible, handledare_available, handledare_hours, adaptations, positions,
                supports_counted_on, status)
            VALUES (\(scope.forbundID), \(id), \(employerID), \(f.type.rawValue), \(f.occupation), \(f.title), \(f.description),
                \(f.requiredSkills), \(f.wantedSkills), \(PostgresJSONB(f.requiredLanguages)), \(f.hoursMin), \(f.hoursMax),
                \(f.scheduleFlexibility.rawValue), \(f.startDate), \(f.durationMonths), \(f.monthlyWage), \(f.workplaceKommunkod),
                \(f.workplaceAddress), \(f.workplaceLatitude), \(f.workplaceLongitude), \(f.workplaceCoordinateSource.rawValue),
                \(f.remotePossible), \(f.handledareAvailable), \(f.handledareHours), \(f.adaptations.map(\.rawValue)),
                \(f.positions), \(f.supportsCountedOn), \(status.rawValue))
            RETURNING \(Self.columns)
            """)
        let offer = try Self.offer(rows[0])
        try await recordStatus(offer, from: nil, note: "", by: change, in: transaction)
        if status != .draft { try await enqueueMatching(offer, by: change, in: transaction) }
        if status == .open { try await tellCoordinators(.offerOpened, offer, by: change, in: transaction) }
        return offer
    }

    /// One offer in scope.
    public func get(_ scope: AccessScope, id: UUID, on connection: PostgresConnection) async throws -> PlacementOffer? {
        try await connection.query("SELECT \(Self.columns) FROM placement_offers o WHERE \(Self.scoped(scope)) AND o.id = \(id)")
            .first.map(Self.offer)
    }

    /// Offers in scope, oldest first, optionally of one employer or status, a page at a time.
    public func list(_ scope: AccessScope, employerID: UUID? = nil, status: OfferStatus? = nil, page: PageRequest,
                     on connection: PostgresConnection) async throws -> Page<PlacementOffer> {
        var condition = Self.scoped(scope)
        if let employerID { condition = "\(condition) AND o.employer_id = \(employerID)" }
        if let status { condition = "\(condition) AND o.status = \(status.rawValue)" }
        condition = try CreationOrder.condition(condition, after: page, alias: "o")
        let rows = try await connection.query("""
            SELECT \(Self.columns) FROM placement_offers o WHERE \(condition) \(CreationOrder.orderAndLimit(page, alias: "o"))
            """)
        return try CreationOrder.page(rows, page, id: \.id, item: Self.offer)
    }

    /// Replaces an offer's fields (its status changes through `changeStatus`).
    public func replace(_ scope: AccessScope, id: UUID, fields f: OfferFields, ifVersion: Int?, by change: Change,
                        in transaction: PostgresTransaction) async throws -> PlacementOffer {
        let current = try await lock(scope, id: id, ifVersion: ifVersion, in: transaction)
        guard current != .closed else { throw Self.closedConflict }
        // Read under the offer's lock, which every placement of it takes first.
        let taken = try await PlacementStore.positionsTaken(forbundID: scope.forbundID, offerID: id, on: transaction.connection)
        if f.positions < taken {
            var errors = FieldErrors()
            errors.add("/positions", rule: "placements", "\(taken) active placements take positions of this offer; it needs at least \(taken)")
            throw StoreError.conflict(errors)
        }
        let rows = try await transaction.query("""
            UPDATE placement_offers o SET type = \(f.type.rawValue), occupation = \(f.occupation), title = \(f.title),
                description = \(f.description), required_skills = \(f.requiredSkills), wanted_skills = \(f.wantedSkills),
                required_languages = \(PostgresJSONB(f.requiredLanguages)), hours_min = \(f.hoursMin), hours_max = \(f.hoursMax),
                schedule_flexibility = \(f.scheduleFlexibility.rawValue), start_date = \(f.startDate),
                duration_months = \(f.durationMonths), monthly_wage = \(f.monthlyWage),
                workplace_kommunkod = \(f.workplaceKommunkod), workplace_address = \(f.workplaceAddress),
                workplace_latitude = \(f.workplaceLatitude), workplace_longitude = \(f.workplaceLongitude),
                workplace_coordinate_source = \(f.workplaceCoordinateSource.rawValue), remote_possible = \(f.remotePossible),
                handledare_available = \(f.handledareAvailable), handledare_hours = \(f.handledareHours),
                adaptations = \(f.adaptations.map(\.rawValue)), positions = \(f.positions),
                supports_counted_on = \(f.supportsCountedOn), version = version + 1, updated_at = now()
            WHERE o.forbund_id = \(scope.forbundID) AND o.id = \(id)
            RETURNING \(Self.columns)
            """)
        let offer = try Self.offer(rows[0])
        if offer.status != .draft { try await enqueueMatching(offer, by: change, in: transaction) }
        try await tellCoordinators(.offerChanged, offer, by: change, in: transaction)
        return offer
    }

    /// Moves an offer to `status` if its current status allows it, and records why.
    public func changeStatus(_ scope: AccessScope, id: UUID, to status: OfferStatus, note: String, ifVersion: Int?,
                             by change: Change, in transaction: PostgresTransaction) async throws -> PlacementOffer {
        let current = try await lock(scope, id: id, ifVersion: ifVersion, in: transaction)
        return try await applyStatus(scope, id: id, from: current, to: status, note: note, by: change, in: transaction)
    }

    /// Moves an offer the caller has locked from `current` to `status` if the transition is allowed:
    /// the status history, the withdrawal of its suggestions under way when it stops being open,
    /// its matching job and the coordinators' event.
    func applyStatus(_ scope: AccessScope, id: UUID, from current: OfferStatus, to status: OfferStatus, note: String,
                     by change: Change, in transaction: PostgresTransaction) async throws -> PlacementOffer {
        guard current.next.contains(status) else {
            var errors = FieldErrors()
            let allowed = current.next.map(\.rawValue).sorted().joined(separator: ", ")
            errors.add("/status", rule: "transition",
                       "an offer that is \(current.rawValue) can become: \(allowed.isEmpty ? "nothing (closed is final)" : allowed)")
            throw StoreError.conflict(errors)
        }
        if status == .open {
            let taken = try await PlacementStore.positionsTaken(forbundID: scope.forbundID, offerID: id, on: transaction.connection)
            let positions = try await transaction.query("""
                SELECT positions FROM placement_offers WHERE forbund_id = \(scope.forbundID) AND id = \(id)
                """)[0].decode(Int.self, "positions")
            if taken >= positions {
                var errors = FieldErrors()
                errors.add("/status", rule: "positions",
                           "active placements take every position (\(taken) of \(positions)): end one or add positions before opening it")
                throw StoreError.conflict(errors)
            }
        }
        let rows = try await transaction.query("""
            UPDATE placement_offers o SET status = \(status.rawValue), version = version + 1, updated_at = now()
            WHERE o.forbund_id = \(scope.forbundID) AND o.id = \(id) RETURNING \(Self.columns)
            """)
        let offer = try Self.offer(rows[0])
        try await recordStatus(offer, from: current, note: note, by: change, in: transaction)
        if status != .open {
            // An offer that pauses, fills or closes takes its open suggestions with it, now.
            try await SuggestionStore().withdrawAll(forbundID: scope.forbundID, offerID: id, reason: "offer_\(status.rawValue)",
                                                    actor: change.actor, meta: change.meta, in: transaction)
        }
        // A draft that is closed was never matched, so there is nothing to withdraw.
        if !(current == .draft && status == .closed) { try await enqueueMatching(offer, by: change, in: transaction) }
        try await tellCoordinators(status == .open ? .offerOpened : .offerChanged, offer, by: change, in: transaction)
        return offer
    }

    /// An offer's status history, oldest first.
    public func history(_ scope: AccessScope, id: UUID, on connection: PostgresConnection) async throws -> [StatusChange]? {
        guard try await get(scope, id: id, on: connection) != nil else { return nil }
        return try await connection.query("""
            SELECT from_status, to_status, at, actor, note FROM placement_offer_status_history
            WHERE forbund_id = \(scope.forbundID) AND offer_id = \(id) ORDER BY id
            """).map { row in
                StatusChange(fromStatus: try row.decode(String?.self, "from_status").flatMap(OfferStatus.init(rawValue:)),
                             toStatus: OfferStatus(rawValue: try row.decode(String.self, "to_status")) ?? .closed,
                             at: try row.decode(Date.self, "at"), actor: try row.decode(String.self, "actor"),
                             note: try row.decode(String.self, "note"))
            }
    }

    static let closedConflict: StoreError = {
        var errors = FieldErrors()
        errors.add("/status", rule: "closed", "a closed offer cannot be changed")
        return .conflict(errors)
    }()

    /// Locks an offer for a write and checks its version (`FOR UPDATE`: offer jobs, other writes,
    /// placements and a matching job's foreign-key check on a new suggestion of the offer wait for
    /// it). Every write that touches an offer and its suggestions takes the offer first (see
    /// `PlacementStore` for the whole order).
    func lock(_ scope: AccessScope, id: UUID, ifVersion: Int?, in transaction: PostgresTransaction) async throws -> OfferStatus {
        let rows = try await transaction.query("""
            SELECT o.version, o.status FROM placement_offers o WHERE \(Self.scoped(scope)) AND o.id = \(id) FOR UPDATE
            """)
        try StoreError.requireVersion(of: rows.first, matching: ifVersion)
        return OfferStatus(rawValue: try rows[0].decode(String.self, "status")) ?? .closed
    }

    func recordStatus(_ offer: PlacementOffer, from: OfferStatus?, note: String, by change: Change,
                      in transaction: PostgresTransaction) async throws {
        try await transaction.execute("""
            INSERT INTO placement_offer_status_history (forbund_id, offer_id, from_status, to_status, actor, note)
            VALUES (\(offer.forbundID), \(offer.id), \(from?.rawValue), \(offer.status.rawValue), \(change.actor), \(note))
            """)
    }

    /// An employer's own change is news to its coordinators; a coordinator's is not.
    func tellCoordinators(_ kind: Event.Kind, _ offer: PlacementOffer, by change: Change, in transaction: PostgresTransaction) async throws {
        guard change.byEmployer else { return }
        try await EventLog().append(Event(kind, offerID: offer.id, employerID: offer.employerID), forbundID: offer.forbundID, in: transaction)
    }

    func enqueueMatching(_ offer: PlacementOffer, by change: Change, in transaction: PostgresTransaction) async throws {
        try await MatchingJobs.enqueue([try MatchingJobs.offer(offer.id, forbundID: offer.forbundID, meta: change.meta)], queue: queue,
                                       in: transaction)
    }

    static func offer(_ row: PostgresRow) throws -> PlacementOffer {
        func value<E: RawRepresentable>(_ type: E.Type, _ column: String) throws -> E where E.RawValue == String {
            let text = try row.decode(String.self, column)
            guard let value = E(rawValue: text) else { throw StoredValueError(column: column, value: text) }
            return value
        }
        let fields = OfferFields(
            type: try value(PlacementType.self, "type"), occupation: try row.decode(String.self, "occupation"),
            title: try row.decode(String.self, "title"), description: try row.decode(String.self, "description"),
            requiredSkills: try row.decode([String].self, "required_skills"),
            wantedSkills: try row.decode([String].self, "wanted_skills"),
            requiredLanguages: try row.decode(PostgresJSONB<[LanguageSkill]>.self, "required_languages").value,
            hoursMin: try row.decode(Int.self, "hours_min"), hoursMax: try row.decode(Int.self, "hours_max"),
            scheduleFlexibility: try value(ScheduleFlexibility.self, "schedule_flexibility"),
            startDate: try row.decode(CalendarDate.self, "start_date"),
            durationMonths: try row.decode(Int?.self, "duration_months"), monthlyWage: try row.decode(Int?.self, "monthly_wage"),
            workplaceKommunkod: try row.decode(String.self, "workplace_kommunkod"),
            workplaceAddress: try row.decode(String.self, "workplace_address"),
            workplaceLatitude: try row.decode(Double.self, "workplace_latitude"),
            workplaceLongitude: try row.decode(Double.self, "workplace_longitude"),
            workplaceCoordinateSource: try value(CoordinateSource.self, "workplace_coordinate_source"),
            remotePossible: try row.decode(Bool.self, "remote_possible"),
            handledareAvailable: try row.decode(Bool.self, "handledare_available"),
            handledareHours: try row.decode(Int?.self, "handledare_hours"),
            adaptations: try row.decode([String].self, "adaptations").compactMap(Adaptation.init(rawValue:)),
            positions: try row.decode(Int.self, "positions"), supportsCountedOn: try row.decode([String].self, "supports_counted_on"))
        return PlacementOffer(forbundID: try row.decode(UUID.self, "forbund_id"), id: try row.decode(UUID.self, "id"),
                              employerID: try row.decode(UUID.self, "employer_id"), fields: fields,
                              status: try value(OfferStatus.self, "status"), version: try row.decode(Int.self, "version"),
                              createdAt: try row.decode(Date.self, "created_at"), updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
