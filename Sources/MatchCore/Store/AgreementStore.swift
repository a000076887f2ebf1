import Foundation

/// The SQL of employers' agreements with the förbund.
public struct AgreementStore: Sendable {
    /// A store.
    public init() {}

    static let columns: PostgresQuery = "g.forbund_id, g.employer_id, g.id, g.kind, g.signed_on, g.valid_to, g.notes, g.version"

    static func scoped(_ scope: AccessScope, employerID: UUID) -> PostgresQuery {
        if let only = scope.employerID, only != employerID { return "false" }
        return "g.forbund_id = \(scope.forbundID) AND g.employer_id = \(employerID)"
    }

    /// Records an agreement for an employer in scope.
    public func create(_ scope: AccessScope, employerID: UUID, kind: EmployerAgreement.Kind, signedOn: CalendarDate,
                       validTo: CalendarDate?, notes: String, in transaction: PostgresTransaction) async throws -> EmployerAgreement {
        guard try await EmployerStore().get(scope, id: employerID, on: transaction.connection) != nil else {
            throw StoreError.notFound
        }
        let rows = try await transaction.query("""
            INSERT INTO employer_agreements AS g (forbund_id, employer_id, kind, signed_on, valid_to, notes)
            VALUES (\(scope.forbundID), \(employerID), \(kind.rawValue), \(signedOn), \(validTo), \(notes))
            RETURNING \(Self.columns)
            """)
        try await MatchingJobs.rematchOffers(ofEmployer: employerID, forbundID: scope.forbundID, in: transaction)
        return try Self.agreement(rows[0])
    }

    /// One agreement.
    public func get(_ scope: AccessScope, employerID: UUID, id: UUID, on connection: PostgresConnection) async throws -> EmployerAgreement? {
        try await connection.query("""
            SELECT \(Self.columns) FROM employer_agreements g WHERE \(Self.scoped(scope, employerID: employerID)) AND g.id = \(id)
            """).first.map(Self.agreement)
    }

    /// An employer's agreements by signing date, a page at a time.
    public func list(_ scope: AccessScope, employerID: UUID, page: PageRequest,
                     on connection: PostgresConnection) async throws -> Page<EmployerAgreement> {
        var condition = Self.scoped(scope, employerID: employerID)
        if let after = page.after {
            guard after.values.count == 2, let date = CalendarDate(iso: after.values[0]),
                  let id = UUID(uuidString: after.values[1]) else { throw PageCursorError() }
            condition = "\(condition) AND (g.signed_on, g.id) > (\(date), \(id))"
        }
        let rows = try await connection.query("""
            SELECT \(Self.columns) FROM employer_agreements g WHERE \(condition) ORDER BY g.signed_on, g.id LIMIT \(page.limit + 1)
            """)
        let items = try rows.prefix(page.limit).map(Self.agreement)
        let next = rows.count > page.limit ? items.last.map {
            PageCursor(values: [$0.signedOn.description, $0.id.uuidString.lowercased()]).encoded
        } : nil
        return Page(items: items, nextCursor: next)
    }

    /// Replaces an agreement's fields; `ifVersion` must be the stored version when given.
    public func replace(_ scope: AccessScope, employerID: UUID, id: UUID, kind: EmployerAgreement.Kind, signedOn: CalendarDate,
                        validTo: CalendarDate?, notes: String, ifVersion: Int?,
                        in transaction: PostgresTransaction) async throws -> EmployerAgreement {
        try await lockVersion(scope, employerID: employerID, id: id, ifVersion: ifVersion, in: transaction)
        let rows = try await transaction.query("""
            UPDATE employer_agreements g SET kind = \(kind.rawValue), signed_on = \(signedOn), valid_to = \(validTo),
                notes = \(notes), version = version + 1
            WHERE g.forbund_id = \(scope.forbundID) AND g.id = \(id) RETURNING \(Self.columns)
            """)
        try await MatchingJobs.rematchOffers(ofEmployer: employerID, forbundID: scope.forbundID, in: transaction)
        return try Self.agreement(rows[0])
    }

    /// Removes an agreement.
    public func delete(_ scope: AccessScope, employerID: UUID, id: UUID, ifVersion: Int?,
                       in transaction: PostgresTransaction) async throws {
        try await lockVersion(scope, employerID: employerID, id: id, ifVersion: ifVersion, in: transaction)
        try await transaction.execute("DELETE FROM employer_agreements WHERE forbund_id = \(scope.forbundID) AND id = \(id)")
        try await MatchingJobs.rematchOffers(ofEmployer: employerID, forbundID: scope.forbundID, in: transaction)
    }

    func lockVersion(_ scope: AccessScope, employerID: UUID, id: UUID, ifVersion: Int?,
                     in transaction: PostgresTransaction) async throws {
        let rows = try await transaction.query("""
            SELECT g.version FROM employer_agreements g
            WHERE \(Self.scoped(scope, employerID: employerID)) AND g.id = \(id) FOR UPDATE
            """)
        try StoreError.requireVersion(of: rows.first, matching: ifVersion)
    }

    static func agreement(_ row: PostgresRow) throws -> EmployerAgreement {
        let kindText = try row.decode(String.self, "kind")
        guard let kind = EmployerAgreement.Kind(rawValue: kindText) else { throw StoredValueError(column: "kind", value: kindText) }
        return EmployerAgreement(forbundID: try row.decode(UUID.self, "forbund_id"), employerID: try row.decode(UUID.self, "employer_id"),
                                 id: try row.decode(UUID.self, "id"), kind: kind, signedOn: try row.decode(CalendarDate.self, "signed_on"),
                                 validTo: try row.decode(CalendarDate?.self, "valid_to"), notes: try row.decode(String.self, "notes"),
                                 version: try row.decode(Int.self, "version"))
    }
}
