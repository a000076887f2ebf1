import Foundation

/// The SQL of employers with their addresses, contacts and the support given to them.
public struct EmployerStore: Sendable {
    /// A store.
    public init() {}

    static let columns: PostgresQuery = """
        e.forbund_id, e.id, e.organisationsnummer, e.name, e.sector, e.responsible_coordinator_id, e.notes, e.version,
        e.created_at, e.updated_at,
        (SELECT coalesce(jsonb_agg(jsonb_build_object('label', a.label, 'street', a.street, 'postal_code', a.postal_code,
                'city', a.city, 'kommunkod', a.kommunkod, 'latitude', a.latitude, 'longitude', a.longitude,
                'coordinate_source', a.coordinate_source) ORDER BY a.position), '[]')
         FROM employer_addresses a WHERE a.forbund_id = e.forbund_id AND a.employer_id = e.id) AS addresses,
        (SELECT coalesce(jsonb_agg(jsonb_build_object('name', c.name, 'role', c.role, 'email', c.email, 'phone', c.phone,
                'is_handledare', c.is_handledare) ORDER BY c.position), '[]')
         FROM employer_contacts c WHERE c.forbund_id = e.forbund_id AND c.employer_id = e.id) AS contacts,
        (SELECT coalesce(jsonb_agg(jsonb_build_object('kind', s.kind, 'given_on', s.given_on, 'notes', s.notes)
                ORDER BY s.position), '[]')
         FROM employer_support_given s WHERE s.forbund_id = e.forbund_id AND s.employer_id = e.id) AS support_given,
        (SELECT count(*) FROM placements pl WHERE pl.forbund_id = e.forbund_id AND pl.employer_id = e.id
         AND pl.ended_on IS NULL) AS placements_active,
        (SELECT coalesce(jsonb_object_agg(x.outcome, x.n), '{}') FROM (
            SELECT pl.outcome, count(*) AS n FROM placements pl WHERE pl.forbund_id = e.forbund_id AND pl.employer_id = e.id
            AND pl.ended_on IS NOT NULL GROUP BY pl.outcome) x) AS placements_ended
        """

    static func scoped(_ scope: AccessScope) -> PostgresQuery {
        if let employerID = scope.employerID { return "e.forbund_id = \(scope.forbundID) AND e.id = \(employerID)" }
        return "e.forbund_id = \(scope.forbundID)"
    }

    /// Registers an employer; a number already registered in the förbund is a conflict.
    public func create(forbundID: UUID, number: Organisationsnummer, fields: EmployerFields,
                       in transaction: PostgresTransaction) async throws -> Employer {
        try await TenancyStore().requireCoordinator(fields.responsibleCoordinatorID, forbundID: forbundID, in: transaction)
        let id: UUID
        do {
            id = try await transaction.savepoint { tx in
                try await tx.query("""
                    INSERT INTO employers (forbund_id, organisationsnummer, name, sector, responsible_coordinator_id, notes)
                    VALUES (\(forbundID), \(number.digits), \(fields.name), \(fields.sector.rawValue),
                            \(fields.responsibleCoordinatorID), \(fields.notes))
                    RETURNING id
                    """)[0].decode(UUID.self, "id")
            }
        } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation {
            var errors = FieldErrors()
            errors.add("/organisationsnummer", rule: "unique", "an employer with this organisationsnummer is registered in the förbund")
            throw StoreError.conflict(errors)
        }
        try await writeParts(fields, employerID: id, forbundID: forbundID, in: transaction)
        return try await get(AccessScope(forbundID: forbundID), id: id, on: transaction.connection)!
    }

    /// One employer in scope.
    public func get(_ scope: AccessScope, id: UUID, on connection: PostgresConnection) async throws -> Employer? {
        try await connection.query("SELECT \(Self.columns) FROM employers e WHERE \(Self.scoped(scope)) AND e.id = \(id)")
            .first.map(Self.employer)
    }

    /// The employer registered in the förbund under `number`.
    public func get(forbundID: UUID, number: Organisationsnummer, on connection: PostgresConnection) async throws -> Employer? {
        try await connection.query("""
            SELECT \(Self.columns) FROM employers e WHERE e.forbund_id = \(forbundID) AND e.organisationsnummer = \(number.digits)
            """).first.map(Self.employer)
    }

    /// Employers in scope by name, a page at a time.
    public func list(_ scope: AccessScope, page: PageRequest, on connection: PostgresConnection) async throws -> Page<Employer> {
        var condition = Self.scoped(scope)
        if let after = page.after {
            guard after.values.count == 2, let id = UUID(uuidString: after.values[1]) else { throw PageCursorError() }
            condition = "\(condition) AND (lower(e.name), e.id) > (\(after.values[0]), \(id))"
        }
        let rows = try await connection.query("""
            SELECT \(Self.columns) FROM employers e WHERE \(condition) ORDER BY lower(e.name), e.id LIMIT \(page.limit + 1)
            """)
        let employers = try rows.prefix(page.limit).map(Self.employer)
        let next = rows.count > page.limit ? employers.last.map {
            PageCursor(values: [$0.fields.name.lowercased(), $0.id.uuidString.lowercased()]).encoded
        } : nil
        return Page(items: employers, nextCursor: next)
    }

    /// Replaces an employer's fields; `ifVersion` (from `If-Match`) must be the stored version.
    public func replace(_ scope: AccessScope, id: UUID, number: Organisationsnummer, fields: EmployerFields, ifVersion: Int?,
                        in transaction: PostgresTransaction) async throws -> Employer {
        try await lockVersion(scope, id: id, ifVersion: ifVersion, in: transaction)
        try await TenancyStore().requireCoordinator(fields.responsibleCoordinatorID, forbundID: scope.forbundID, in: transaction)
        do {
            try await transaction.savepoint { tx in
                try await tx.execute("""
                    UPDATE employers SET organisationsnummer = \(number.digits), name = \(fields.name),
                        sector = \(fields.sector.rawValue), responsible_coordinator_id = \(fields.responsibleCoordinatorID),
                        notes = \(fields.notes), version = version + 1, updated_at = now()
                    WHERE forbund_id = \(scope.forbundID) AND id = \(id)
                    """)
            }
        } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation {
            var errors = FieldErrors()
            errors.add("/organisationsnummer", rule: "unique", "another employer in the förbund has this organisationsnummer")
            throw StoreError.conflict(errors)
        }
        for table in ["employer_addresses", "employer_contacts", "employer_support_given"] {
            try await transaction.execute("""
                DELETE FROM \(identifier: table) WHERE forbund_id = \(scope.forbundID) AND employer_id = \(id)
                """)
        }
        try await writeParts(fields, employerID: id, forbundID: scope.forbundID, in: transaction)
        try await MatchingJobs.rematchOffers(ofEmployer: id, forbundID: scope.forbundID, in: transaction)
        return try await get(scope, id: id, on: transaction.connection)!
    }

    /// Removes an employer that has no offers and no users (an employer with history is kept).
    public func delete(_ scope: AccessScope, id: UUID, ifVersion: Int?, in transaction: PostgresTransaction) async throws {
        try await lockVersion(scope, id: id, ifVersion: ifVersion, in: transaction)
        do {
            try await transaction.savepoint { tx in
                try await tx.execute("DELETE FROM employers WHERE forbund_id = \(scope.forbundID) AND id = \(id)")
            }
        } catch let error as PostgresError where error.sqlState == SQLState.foreignKeyViolation {
            var errors = FieldErrors()
            errors.add("", rule: "in_use", "the employer has offers, users or tokens; close its offers instead")
            throw StoreError.conflict(errors)
        }
    }

    /// Locks the row and checks its version: not found, or a version mismatch, is an error.
    func lockVersion(_ scope: AccessScope, id: UUID, ifVersion: Int?, in transaction: PostgresTransaction) async throws {
        let rows = try await transaction.query("""
            SELECT e.version FROM employers e WHERE \(Self.scoped(scope)) AND e.id = \(id) FOR UPDATE
            """)
        try StoreError.requireVersion(of: rows.first, matching: ifVersion)
    }


    func writeParts(_ fields: EmployerFields, employerID: UUID, forbundID: UUID, in transaction: PostgresTransaction) async throws {
        if !fields.addresses.isEmpty {
            try await transaction.execute("""
                INSERT INTO employer_addresses (forbund_id, employer_id, position, label, street, postal_code, city, kommunkod,
                                                latitude, longitude, coordinate_source)
                SELECT \(forbundID), \(employerID), p.ord, p.v->>'label', p.v->>'street', p.v->>'postal_code', p.v->>'city',
                       p.v->>'kommunkod', (p.v->>'latitude')::float8, (p.v->>'longitude')::float8, p.v->>'coordinate_source'
                FROM jsonb_array_elements(\(PostgresJSONB(fields.addresses))) WITH ORDINALITY AS p(v, ord)
                """)
        }
        if !fields.contacts.isEmpty {
            try await transaction.execute("""
                INSERT INTO employer_contacts (forbund_id, employer_id, position, name, role, email, phone, is_handledare)
                SELECT \(forbundID), \(employerID), p.ord, p.v->>'name', p.v->>'role', p.v->>'email', p.v->>'phone',
                       (p.v->>'is_handledare')::boolean
                FROM jsonb_array_elements(\(PostgresJSONB(fields.contacts))) WITH ORDINALITY AS p(v, ord)
                """)
        }
        if !fields.supportGiven.isEmpty {
            try await transaction.execute("""
                INSERT INTO employer_support_given (forbund_id, employer_id, position, kind, given_on, notes)
                SELECT \(forbundID), \(employerID), p.ord, p.v->>'kind', (p.v->>'given_on')::date, p.v->>'notes'
                FROM jsonb_array_elements(\(PostgresJSONB(fields.supportGiven))) WITH ORDINALITY AS p(v, ord)
                """)
        }
    }

    static func employer(_ row: PostgresRow) throws -> Employer {
        let sectorText = try row.decode(String.self, "sector")
        guard let sector = EmployerSector(rawValue: sectorText) else { throw StoredValueError(column: "sector", value: sectorText) }
        let digits = try row.decode(String.self, "organisationsnummer")
        let fields = EmployerFields(
            name: try row.decode(String.self, "name"), sector: sector,
            responsibleCoordinatorID: try row.decode(UUID?.self, "responsible_coordinator_id"),
            notes: try row.decode(String.self, "notes"),
            addresses: try row.decode(PostgresJSONB<[EmployerAddress]>.self, "addresses").value,
            contacts: try row.decode(PostgresJSONB<[EmployerContact]>.self, "contacts").value,
            supportGiven: try row.decode(PostgresJSONB<[EmployerSupportGiven]>.self, "support_given").value)
        return Employer(forbundID: try row.decode(UUID.self, "forbund_id"), id: try row.decode(UUID.self, "id"),
                        organisationsnummer: try Organisationsnummer(digits), fields: fields,
                        version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
                        updatedAt: try row.decode(Date.self, "updated_at"),
                        placements: EmployerPlacements(active: try row.decode(Int.self, "placements_active"),
                                                       ended: try row.decode(PostgresJSONB<[String: Int]>.self, "placements_ended").value))
    }
}

/// A cursor that does not belong to the list it was sent to.
public struct PageCursorError: Error, Sendable {}

/// A stored value the code does not know (a newer schema than this binary).
public struct StoredValueError: Error, Sendable, CustomStringConvertible {
    /// The column.
    public var column: String
    /// The value found.
    public var value: String
    public var description: String { "column \(column) holds an unknown value" }
}
