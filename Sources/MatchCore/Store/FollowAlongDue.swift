import Foundation

extension FollowAlongStore {
    /// A pending check-in that has fallen due, by ids and dates only: what an operator sees of a
    /// participant's follow-along without a name or a note on the terminal.
    public struct Due: Sendable, Encodable, Equatable {
        /// The check-in's förbund.
        public var forbundID: UUID
        /// The förbund's name (an organisation's, not a person's).
        public var forbundName: String
        /// The placement followed.
        public var placementID: UUID
        /// The check-in.
        public var checkInID: UUID
        /// What it is for.
        public var kind: FollowAlongPlan.Kind
        /// When it was due.
        public var dueOn: CalendarDate
        /// Days from its due date to the day asked about (0 when due that day).
        public var daysLate: Int
        /// Whether it is `plan.overdueAfterDays` or more past its due date.
        public var overdue: Bool

        enum CodingKeys: String, CodingKey {
            case forbundID = "forbund_id", forbundName = "forbund", placementID = "placement_id", checkInID = "check_in_id", kind
            case dueOn = "due_on", daysLate = "days_late", overdue
        }

        /// Encodes every field, ids in lower case.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeID(forbundID, forKey: .forbundID)
            try c.encode(forbundName, forKey: .forbundName)
            try c.encodeID(placementID, forKey: .placementID)
            try c.encodeID(checkInID, forKey: .checkInID)
            try c.encode(kind, forKey: .kind)
            try c.encode(dueOn, forKey: .dueOn)
            try c.encode(daysLate, forKey: .daysLate)
            try c.encode(overdue, forKey: .overdue)
        }
    }

    /// The pending check-ins due on or before `day`, of one förbund or (nil) of every one, oldest
    /// first. Without auditing: the caller records the read.
    public func due(forbundID: UUID?, on day: CalendarDate, on connection: PostgresConnection) async throws -> [Due] {
        var condition: PostgresQuery = "c.state = 'pending' AND c.due_on <= \(day)"
        if let forbundID { condition = "\(condition) AND c.forbund_id = \(forbundID)" }
        let rows = try await connection.query("""
            SELECT c.forbund_id, f.name AS forbund_name, c.placement_id, c.id, c.kind, c.due_on
            FROM check_ins c JOIN forbund f ON f.id = c.forbund_id
            WHERE \(condition)
            ORDER BY c.due_on, f.name, c.placement_id, c.id
            """)
        return try rows.map { row in
            let kindText = try row.decode(String.self, "kind")
            guard let kind = FollowAlongPlan.Kind(rawValue: kindText) else { throw StoredValueError(column: "kind", value: kindText) }
            let dueOn = try row.decode(CalendarDate.self, "due_on")
            let late = day.days(since: dueOn)
            return Due(forbundID: try row.decode(UUID.self, "forbund_id"), forbundName: try row.decode(String.self, "forbund_name"),
                       placementID: try row.decode(UUID.self, "placement_id"), checkInID: try row.decode(UUID.self, "id"), kind: kind,
                       dueOn: dueOn, daysLate: late, overdue: late >= plan.overdueAfterDays)
        }
    }
}
