/// `[follow_along]`: the plan of check-ins after a placement starts (see `FollowAlongPlan`).
public struct FollowAlongConfiguration: Sendable {
    /// The plan these settings describe.
    public var plan: FollowAlongPlan

    init(reader: ConfigurationReader) throws {
        let fallback = FollowAlongPlan()
        plan = FollowAlongPlan(
            daysBeforeStart: try reader.int("follow_along", "days_before_start", default: fallback.daysBeforeStart, range: 0...60),
            daysAfterStart: try reader.int("follow_along", "days_after_start", default: fallback.daysAfterStart, range: 0...60),
            weeklyContacts: try reader.int("follow_along", "weekly_contacts", default: fallback.weeklyContacts, range: 0...12),
            monthly: try reader.bool("follow_along", "monthly", default: fallback.monthly),
            earlyEndDays: try reader.int("follow_along", "early_end_days", default: fallback.earlyEndDays, range: 0...30),
            overdueAfterDays: try reader.int("follow_along", "overdue_after_days", default: fallback.overdueAfterDays, range: 1...60),
            pendingAhead: try reader.int("follow_along", "pending_ahead", default: fallback.pendingAhead, range: 1...10))
    }
}
