import Foundation
import Testing
@testable import MatchCore

@Suite("Cron schedules and periodic jobs")
struct PeriodicJobTests {
    let stockholm = TimeZone(identifier: "Europe/Stockholm")!

    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func fieldsAndAliases() throws {
        let everyFive = try CronSchedule("*/5 * * * *")
        #expect(everyFive.next(after: date("2026-12-01T10:02:00Z")) == date("2026-12-01T10:05:00Z"))
        // 07:30 in Stockholm is 06:30 UTC in winter and 05:30 UTC in summer.
        let morning = try CronSchedule("30 7 * * 1-5")
        #expect(morning.next(after: date("2026-12-04T07:00:00Z")) == date("2026-12-07T06:30:00Z"))  // Friday → Monday
        #expect(morning.next(after: date("2026-06-01T00:00:00Z")) == date("2026-06-01T05:30:00Z"))
        let daily = try CronSchedule("@daily")
        #expect(daily.next(after: date("2026-12-01T10:00:00Z")) == date("2026-12-01T23:00:00Z"))
        let hourly = try CronSchedule("@hourly", timeZone: TimeZone(identifier: "UTC")!)
        #expect(hourly.next(after: date("2026-12-01T10:00:00Z")) == date("2026-12-01T11:00:00Z"))
        let listed = try CronSchedule("0 8,12-14/2 1 * *", timeZone: TimeZone(identifier: "UTC")!)
        #expect(listed.firings(after: date("2026-12-01T00:00:00Z"), upTo: date("2026-12-01T23:59:00Z")).count == 3)
    }

    @Test(arguments: ["* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "a * * * *", "@often", "5-1 * * * *"])
    func malformedExpressionsAreRefused(_ expression: String) {
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule(expression) }
    }

    @Test func twoDaemonsOverASimulatedHourEnqueueEachTickOnce() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 4))
        let clock = ManualClock()
        let job = PeriodicJob(name: "every-minute", schedule: try CronSchedule("* * * * *"), job: JobInsert(kind: "noop"))
        let first = PeriodicScheduler(jobs: [job], queue: JobQueue(clock: clock))
        let second = PeriodicScheduler(jobs: [job], queue: JobQueue(clock: clock))
        var ids: [Int64] = []
        for _ in 0..<120 {
            clock.advance(30)
            async let a = first.runOnce(pool: pool)
            async let b = second.runOnce(pool: pool)
            ids += try await a + b
        }
        #expect(ids.count == 60)
        #expect(Set(ids).count == 60)
        let jobs = try await pool.query("SELECT count(*) AS n FROM jobs")[0].decode(Int.self, "n")
        #expect(jobs == 60)
        await pool.close()
    }
}
