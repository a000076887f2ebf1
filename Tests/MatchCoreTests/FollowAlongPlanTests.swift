import Testing
@testable import MatchCore

@Suite("The follow-along plan")
struct FollowAlongPlanTests {
    func date(_ text: String) -> CalendarDate { CalendarDate(iso: text)! }

    @Test func theDefaultPlanIsAWeekBeforeThreeDaysAfterWeeklyForAMonthThenMonthly() {
        let plan = FollowAlongPlan()
        let start = date("2027-01-31")
        let steps = (0..<9).compactMap { plan.step($0, start: start) }
        #expect(steps.map { "\($0.kind.rawValue)@\($0.due)" } == [
            "before_start@2027-01-24", "after_start@2027-02-03", "weekly@2027-02-07", "weekly@2027-02-14", "weekly@2027-02-21",
            "weekly@2027-02-28", "monthly@2027-03-31", "monthly@2027-04-30", "monthly@2027-05-31",
        ])
        #expect(steps.map(\.index) == Array(0..<9))
    }

    @Test func onlyContactsAfterTodayAreCreatedAheadAndAtMostTheAskedNumber() {
        let plan = FollowAlongPlan()
        let start = date("2026-12-01")
        // Recorded ten days after the start: the contacts before it and the first weekly one are past.
        let ahead = plan.upcoming(after: nil, start: start, today: date("2026-12-11"), count: 2)
        #expect(ahead.map { "\($0.index):\($0.kind.rawValue)@\($0.due)" } == ["3:weekly@2026-12-15", "4:weekly@2026-12-22"])
        #expect(plan.upcoming(after: 4, start: start, today: date("2026-12-11"), count: 1).map(\.kind) == [.weekly])
        #expect(plan.upcoming(after: 5, start: start, today: date("2026-12-11"), count: 1).map(\.due) == [date("2027-02-01")])
        // A contact due the day the placement is recorded is made too, beside the two ahead.
        #expect(plan.upcoming(after: nil, start: date("2026-12-08"), today: date("2026-12-01"), count: 2).map { "\($0.kind.rawValue)@\($0.due)" }
                == ["before_start@2026-12-01", "after_start@2026-12-11", "weekly@2026-12-15"])
        // A placement recorded years late still gets its next monthly contacts, not a backlog.
        #expect(plan.upcoming(after: nil, start: date("2020-01-15"), today: date("2026-12-11"), count: 2).map(\.due)
                == [date("2026-12-15"), date("2027-01-15")])
    }

    @Test func aPlanWithoutMonthlyContactsEndsAndAnEarlyEndGetsOneContact() {
        let plan = FollowAlongPlan(daysBeforeStart: 0, daysAfterStart: 7, weeklyContacts: 2, monthly: false, earlyEndDays: 2)
        let start = date("2026-12-01")
        // The first weekly contact would fall on the one after the start: it is not planned twice.
        #expect((0..<5).compactMap { plan.step($0, start: start) }.map { "\($0.kind.rawValue)@\($0.due)" }
                == ["after_start@2026-12-08", "weekly@2026-12-15"])
        #expect(plan.upcoming(after: 1, start: start, today: start, count: 2).isEmpty)
        #expect(plan.earlyEndDue(endedOn: date("2026-12-03"), today: date("2026-12-10")) == date("2026-12-12"),
                "an end recorded late is followed up from the day it is recorded")
    }

    @Test func monthsAddClampToTheMonthsLastDay() {
        #expect(date("2027-01-31").adding(months: 1) == date("2027-02-28"))
        #expect(date("2028-01-31").adding(months: 1) == date("2028-02-29"))
        #expect(date("2026-12-15").adding(months: 2) == date("2027-02-15"))
        #expect(date("2027-03-31").adding(months: -1) == date("2027-02-28"))
    }
}
