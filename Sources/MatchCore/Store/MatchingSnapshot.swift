import Foundation

/// What the matching workers read: the open offers of a förbund with their employers' relation,
/// and the participants who may be matched, with how long each has waited.
public struct MatchingSnapshot: Sendable {
    /// A snapshot reader.
    public init() {}

    /// The day a snapshot is taken on: the database's today, or a given one (`match verify --at`).
    static func day(_ today: CalendarDate?) -> PostgresQuery {
        today.map { "\($0)::date" } ?? "current_date"
    }

    static func offerRelation(on today: CalendarDate?) -> PostgresQuery { """
        e.sector AS employer_sector,
        EXISTS (SELECT 1 FROM employer_agreements g WHERE g.forbund_id = o.forbund_id AND g.employer_id = o.employer_id
                AND g.signed_on <= \(day(today)) AND (g.valid_to IS NULL OR g.valid_to >= \(day(today)))) AS active_agreement,
        \(PlacementStore.successfulPlacements("o")) AS placements,
        o.positions - \(PlacementStore.positionsTaken("o")) AS positions_left
        """
    }

    /// The open offers of a förbund; or one offer, or one employer's offers, whatever their status;
    /// agreements in force on `today` (the database's today by default).
    public func offers(forbundID: UUID, only id: UUID? = nil, employerID: UUID? = nil, today: CalendarDate? = nil,
                       on connection: PostgresConnection) async throws -> [MatchOffer] {
        let filter: PostgresQuery = if let id { "AND o.id = \(id)" }
            else if let employerID { "AND o.employer_id = \(employerID)" }
            else { "AND o.status = 'open'" }
        return try await connection.query("""
            SELECT \(OfferStore.columns), \(Self.offerRelation(on: today))
            FROM placement_offers o JOIN employers e ON e.forbund_id = o.forbund_id AND e.id = o.employer_id
            WHERE o.forbund_id = \(forbundID) \(filter) ORDER BY o.id
            """).map { row in
            MatchOffer(offer: try OfferStore.offer(row),
                       employerSector: EmployerSector(rawValue: try row.decode(String.self, "employer_sector")) ?? .private,
                       hasActiveAgreement: try row.decode(Bool.self, "active_agreement"),
                       successfulPlacements: try row.decode(Int.self, "placements"),
                       positionsLeft: try row.decode(Int.self, "positions_left"))
        }
    }

    /// The förbund's offer index version (see migration 0007): what a snapshot taken now reflects.
    public func offerIndexVersion(forbundID: UUID, on connection: PostgresConnection) async throws -> Int64 {
        try await connection.query("SELECT version FROM offer_index_versions WHERE forbund_id = \(forbundID)")
            .first?.decode(Int64.self, "version") ?? 0
    }

    /// Participants of a förbund (one, or every seeking one), with days waited until `today` (the
    /// database's today by default) since their last suggestion or, without one, since they were registered.
    public func participants(forbundID: UUID, only id: UUID? = nil, today: CalendarDate? = nil,
                             on connection: PostgresConnection) async throws -> [(Participant, waitingDays: Int)] {
        let filter: PostgresQuery = id.map { "AND p.id = \($0)" } ?? "AND p.seeking"
        return try await connection.query("""
            SELECT \(ParticipantStore.columns),
                   (\(Self.day(today)) - (coalesce((SELECT max(s.created_at) FROM suggestions s
                        WHERE s.forbund_id = p.forbund_id AND s.participant_id = p.id AND s.state <> 'withdrawn'),
                        p.created_at))::date) AS waiting_days
            FROM participants p WHERE p.forbund_id = \(forbundID) \(filter) ORDER BY p.id
            """).map { row in (try ParticipantStore.participant(row), try row.decode(Int.self, "waiting_days")) }
    }

    /// The waiting days each participant's suggestions were scored with (see migration 0009), for
    /// every participant of the förbund that has been matched, or for one.
    public func matchedWaitingDays(forbundID: UUID, only id: UUID? = nil, on connection: PostgresConnection) async throws -> [UUID: Int] {
        let filter: PostgresQuery = id.map { "AND participant_id = \($0)" } ?? ""
        var days: [UUID: Int] = [:]
        for row in try await connection.query("""
            SELECT participant_id, waiting_days FROM participant_matching WHERE forbund_id = \(forbundID) \(filter)
            """) {
            days[try row.decode(UUID.self, "participant_id")] = try row.decode(Int.self, "waiting_days")
        }
        return days
    }
}
