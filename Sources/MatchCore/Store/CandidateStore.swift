import Foundation

/// The employer's view of suggestions: its own offers' candidates once presented (and until
/// rejected or withdrawn), as `Candidate`s. Every read is audited as a disclosure of the participant.
public struct CandidateStore: Sendable {
    /// A store.
    public init() {}

    /// The candidates in scope (an employer's offers; a förbund's when the scope names no
    /// employer), newest presentation first, optionally of one offer, a page at a time.
    public func list(_ scope: AccessScope, offerID: UUID? = nil, page: PageRequest, by context: AuditContext,
                     in transaction: PostgresTransaction) async throws -> Page<Candidate> {
        var condition = Self.scoped(scope)
        if let offerID { condition = "\(condition) AND s.offer_id = \(offerID)" }
        if let after = page.after {
            guard after.values.count == 2, let id = UUID(uuidString: after.values[1]),
                  PostgresTimestamp.parse(after.values[0]) != nil else { throw PageCursorError() }
            condition = "\(condition) AND (s.presented_at, s.id) < (\(after.values[0])::timestamptz, \(id))"
        }
        let rows = try await transaction.query("""
            SELECT \(Self.columns) \(Self.joins) WHERE \(condition) ORDER BY s.presented_at DESC, s.id DESC LIMIT \(page.limit + 1)
            """)
        let shown = Array(rows.prefix(page.limit))
        let items = try shown.map(Self.candidate)
        try await disclose(try shown.map { try $0.decode(UUID.self, "participant_id") }, forbundID: scope.forbundID, context: context,
                           in: transaction)
        let next = try rows.count > page.limit ? shown.last.map {
            PageCursor(values: [try $0.decode(String.self, "presented_key"), try $0.decode(UUID.self, "id").uuidString.lowercased()]).encoded
        } : nil
        return Page(items: items, nextCursor: next)
    }

    /// One candidate in scope; nil when there is none (not presented, another employer's, rejected
    /// or withdrawn). `including` admits further states: the answer to a decline shows the
    /// candidate it rejected.
    public func get(_ scope: AccessScope, id: UUID, including: [SuggestionState] = [], by context: AuditContext,
                    in transaction: PostgresTransaction) async throws -> Candidate? {
        guard let row = try await transaction.query("""
            SELECT \(Self.columns) \(Self.joins) WHERE \(Self.scoped(scope, including: including)) AND s.id = \(id)
            """).first else { return nil }
        let candidate = try Self.candidate(row)
        try await disclose([try row.decode(UUID.self, "participant_id")], forbundID: scope.forbundID, context: context, in: transaction)
        return candidate
    }

    /// Each participant shown is audited as disclosed to the reader.
    func disclose(_ participants: [UUID], forbundID: UUID, context: AuditContext, in transaction: PostgresTransaction) async throws {
        try await AuditLog().record(.disclose, entity: ParticipantStore.entity, ids: participants, forbundID: forbundID,
                                    context: context, in: transaction)
    }

    static func scoped(_ scope: AccessScope, including: [SuggestionState] = []) -> PostgresQuery {
        let states = SuggestionState.sqlList(SuggestionState.visibleToEmployer + including)
        var condition: PostgresQuery = "s.forbund_id = \(scope.forbundID) AND s.state IN \(states)"
        if let employerID = scope.employerID { condition = "\(condition) AND o.employer_id = \(employerID)" }
        return condition
    }

    static let columns: PostgresQuery = """
        \(SuggestionStore.columns), p.profile, s.presented_at::text AS presented_key,
        coalesce(rc.name, pb.name, ec.name) AS contact_name, coalesce(rc.email, pb.email, ec.email) AS contact_email
        """

    /// The contact is the participant's responsible coordinator, else the coordinator who
    /// presented, else the employer's responsible coordinator (active users only).
    static let joins: PostgresQuery = """
        FROM suggestions s
        JOIN placement_offers o ON o.forbund_id = s.forbund_id AND o.id = s.offer_id
        JOIN participants p ON p.forbund_id = s.forbund_id AND p.id = s.participant_id
        JOIN employers e ON e.forbund_id = o.forbund_id AND e.id = o.employer_id
        LEFT JOIN users rc ON rc.forbund_id = p.forbund_id AND rc.id = p.responsible_coordinator_id AND rc.active
        LEFT JOIN users pb ON pb.forbund_id = s.forbund_id AND pb.id = s.presented_by AND pb.active
        LEFT JOIN users ec ON ec.forbund_id = e.forbund_id AND ec.id = e.responsible_coordinator_id AND ec.active
        """

    static func candidate(_ row: PostgresRow) throws -> Candidate {
        let suggestion = try SuggestionStore.stored(row)
        let contact = try row.decode(String?.self, "contact_name").map {
            Candidate.Contact(name: $0, email: try row.decode(String.self, "contact_email"))
        }
        guard let state = SuggestionState(rawValue: suggestion.state) else {
            throw StoredValueError(column: "state", value: suggestion.state)
        }
        return Candidate(suggestion: suggestion, state: state, participant: try row.decode(PostgresJSONB<ParticipantFields>.self, "profile").value,
                         contact: contact)
    }
}
