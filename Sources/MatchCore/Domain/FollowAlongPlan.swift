/// When a placement's follow-along contacts fall due (`[follow_along]`). IPS supported employment
/// supports without a time limit after the start and SIUS follows up for at least a year, so the
/// plan has no end of its own: it runs until the coordinator ends the follow-along.
///
/// With the defaults, for a placement starting on day S: S−7 (before the start), S+3 (after it),
/// S+7, S+14, S+21, S+28 (weekly in the first month), then S + 2 months, S + 3 months, … (monthly).
/// A placement that ends early gets one contact within 3 days of its end.
public struct FollowAlongPlan: Sendable, Hashable {
    /// What a planned contact is for.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Before the first day: is everything ready, on both sides?
        case beforeStart = "before_start"
        /// Soon after the first day.
        case afterStart = "after_start"
        /// Weekly in the first weeks.
        case weekly
        /// Monthly after that.
        case monthly
        /// After a placement ended early.
        case earlyEnd = "early_end"
    }

    /// One planned contact.
    public struct Step: Sendable, Hashable {
        /// Its place in the plan, from 0.
        public var index: Int
        /// What it is for.
        public var kind: Kind
        /// When it is due.
        public var due: CalendarDate
    }

    /// Days before the start of the first contact (0: none before the start).
    public var daysBeforeStart: Int
    /// Days after the start of the second.
    public var daysAfterStart: Int
    /// Weekly contacts after the start (4: the first month).
    public var weeklyContacts: Int
    /// Whether monthly contacts follow the weekly ones, from the start's day two months on.
    public var monthly: Bool
    /// Days after an early end within which the coordinator makes contact.
    public var earlyEndDays: Int
    /// Days after its due date a contact not recorded is overdue.
    public var overdueAfterDays: Int
    /// How many pending contacts are created ahead of today.
    public var pendingAhead: Int

    /// A plan; the defaults are the ones described above.
    public init(daysBeforeStart: Int = 7, daysAfterStart: Int = 3, weeklyContacts: Int = 4, monthly: Bool = true,
                earlyEndDays: Int = 3, overdueAfterDays: Int = 3, pendingAhead: Int = 2) {
        self.daysBeforeStart = daysBeforeStart
        self.daysAfterStart = daysAfterStart
        self.weeklyContacts = weeklyContacts
        self.monthly = monthly
        self.earlyEndDays = earlyEndDays
        self.overdueAfterDays = overdueAfterDays
        self.pendingAhead = pendingAhead
    }

    /// The plan's step `index` for a placement starting on `start`; nil past the plan's end (only
    /// without monthly contacts). Steps are in date order.
    public func step(_ index: Int, start: CalendarDate) -> Step? {
        var fixed: [(Kind, CalendarDate)] = []
        if daysBeforeStart > 0 { fixed.append((.beforeStart, start.adding(days: -daysBeforeStart))) }
        fixed.append((.afterStart, start.adding(days: daysAfterStart)))
        for week in 0..<weeklyContacts {
            let due = start.adding(days: 7 * (week + 1))
            // A weekly contact on or before the one after the start would repeat it.
            if due > start.adding(days: daysAfterStart) { fixed.append((.weekly, due)) }
        }
        if index < fixed.count { return Step(index: index, kind: fixed[index].0, due: fixed[index].1) }
        guard monthly else { return nil }
        let lastFixed = fixed.last!.1
        // Monthly from two months after the start, or later if the weekly ones run past it.
        var month = 2
        while start.adding(months: month) <= lastFixed { month += 1 }
        return Step(index: index, kind: .monthly, due: start.adding(months: month + index - fixed.count))
    }

    /// The steps after `lastIndex` (or from the first when nil) that are not past on `today`,
    /// until `count` of them fall due after it: the contacts to create ahead. A step due `today`
    /// is included (the daily job raises it) but does not count as ahead.
    public func upcoming(after lastIndex: Int?, start: CalendarDate, today: CalendarDate, count: Int) -> [Step] {
        var steps: [Step] = []
        var ahead = 0
        var index = (lastIndex ?? -1) + 1
        while ahead < count, let step = step(index, start: start) {
            if step.due >= today { steps.append(step) }
            if step.due > today { ahead += 1 }
            index += 1
        }
        return steps
    }

    /// When the contact after an early end on `endedOn`, recorded on `today`, is due.
    public func earlyEndDue(endedOn: CalendarDate, today: CalendarDate) -> CalendarDate {
        max(endedOn, today).adding(days: earlyEndDays)
    }
}
