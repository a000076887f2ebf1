import Foundation

/// A cron schedule: five fields (minute, hour, day of month, month, day of week) or an alias
/// (`@hourly`, `@daily`/`@midnight`, `@weekly`, `@monthly`, `@yearly`/`@annually`), read in a time
/// zone (Europe/Stockholm by default). Fields take `*`, numbers, `a-b`, `*/n`, `a-b/n` and lists;
/// day of week is 0–7 with 0 and 7 Sunday. As in cron, when both day fields are restricted a day
/// matching either runs.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// A malformed expression, naming the field.
    public struct ParseError: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    /// The zone the fields are read in.
    public let timeZone: TimeZone
    /// The expression as given.
    public let description: String

    /// Parses `expression`.
    public init(_ expression: String, timeZone: TimeZone = CalendarDate.swedishTimeZone) throws {
        let aliases = ["@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                       "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"]
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let expanded = trimmed.hasPrefix("@") ? aliases[trimmed.lowercased()] : trimmed
        guard let expanded else { throw ParseError(description: "unknown alias \(trimmed)") }
        let fields = expanded.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "expected 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        minutes = try Self.field(fields[0], name: "minute", range: 0...59)
        hours = try Self.field(fields[1], name: "hour", range: 0...23)
        daysOfMonth = try Self.field(fields[2], name: "day of month", range: 1...31)
        months = try Self.field(fields[3], name: "month", range: 1...12)
        daysOfWeek = Set(try Self.field(fields[4], name: "day of week", range: 0...7).map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
        self.timeZone = timeZone
        self.description = trimmed
    }

    /// The first time strictly after `instant` that the schedule fires.
    public func next(after instant: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        parts.second = 0
        guard var candidate = calendar.date(from: parts)?.addingTimeInterval(60) else { return nil }
        let limit = instant.addingTimeInterval(5 * 366 * 86_400)
        while candidate <= limit {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: candidate)
            guard let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute, let weekday = c.weekday else {
                return nil
            }
            if !months.contains(month) {
                candidate = startOfNext(.month, after: candidate, calendar)
            } else if !dayMatches(day: day, weekday: weekday - 1) {
                candidate = startOfNext(.day, after: candidate, calendar)
            } else if !hours.contains(hour) {
                candidate = startOfNext(.hour, after: candidate, calendar)
            } else if !minutes.contains(minute) {
                candidate = candidate.addingTimeInterval(60)
            } else {
                return candidate
            }
        }
        return nil
    }

    /// Every firing in `(start, end]`, oldest first.
    public func firings(after start: Date, upTo end: Date) -> [Date] {
        var result: [Date] = []
        var cursor = start
        while let next = next(after: cursor), next <= end {
            result.append(next)
            cursor = next
        }
        return result
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): return daysOfMonth.contains(day)
        case (false, true): return daysOfWeek.contains(weekday)
        case (false, false): return true
        }
    }

    private func startOfNext(_ unit: Calendar.Component, after date: Date, _ calendar: Calendar) -> Date {
        let start = calendar.dateInterval(of: unit, for: date)?.end ?? date.addingTimeInterval(60)
        return start
    }

    private static func field(_ text: String, name: String, range: ClosedRange<Int>) throws -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let base = pieces.first, !base.isEmpty else {
                throw ParseError(description: "\(name): malformed \"\(part)\"")
            }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else { throw ParseError(description: "\(name): bad step in \"\(part)\"") }
                step = parsed
            }
            var lower = range.lowerBound
            var upper = range.upperBound
            if base != "*" {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, let first = Int(bounds[0]), let last = Int(bounds.count == 2 ? bounds[1] : bounds[0]) else {
                    throw ParseError(description: "\(name): malformed \"\(part)\"")
                }
                lower = first
                if bounds.count == 2 {
                    upper = last
                } else {
                    // `5/10` runs from 5 to the end of the range; a lone `5` is just 5.
                    upper = pieces.count == 2 ? range.upperBound : first
                }
            }
            guard range.contains(lower), range.contains(upper), lower <= upper else {
                throw ParseError(description: "\(name): \"\(part)\" is outside \(range.lowerBound)-\(range.upperBound)")
            }
            values.formUnion(stride(from: lower, through: upper, by: step))
        }
        return values
    }
}
