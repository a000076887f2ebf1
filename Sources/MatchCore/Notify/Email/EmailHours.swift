import Foundation

/// When email goes out: some weekdays, between two local times, in an IANA time zone, written
/// `mon-fri 07:00-18:00 Europe/Stockholm`. Local times are read in the zone on each day, so the
/// hours stay 07:00-18:00 on the wall clock across the March and October clock changes.
public struct EmailHours: Sendable, Equatable {
    /// The default: weekdays, office hours, Swedish time.
    public static let defaultText = "mon-fri 07:00-18:00 Europe/Stockholm"

    /// Why a text is not a valid `email_hours`.
    public struct ParseError: Error, Sendable {
        /// What is wrong.
        public var message: String
    }

    /// The days email goes out, as `Calendar` weekdays (1 is Sunday).
    public var weekdays: Set<Int>
    /// The first minute of the day email goes out (local).
    public var startMinute: Int
    /// The minute of the day it stops (local, exclusive).
    public var endMinute: Int
    /// The zone the times are read in.
    public var timeZone: TimeZone

    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses `days hh:mm-hh:mm zone`; days are a range (`mon-fri`), a list (`mon,wed`) or `all`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 3 else { throw ParseError(message: "must be days, hours and a time zone, e.g. \(Self.defaultText)") }
        weekdays = try Self.days(parts[0].lowercased())
        let times = parts[1].split(separator: "-").map(String.init)
        guard times.count == 2, let start = Self.minute(times[0]), let end = Self.minute(times[1]), start < end else {
            throw ParseError(message: "hours must be hh:mm-hh:mm with the start before the end")
        }
        startMinute = start
        endMinute = end
        guard let zone = TimeZone(identifier: parts[2]) else { throw ParseError(message: "\(parts[2]) is not an IANA time zone") }
        timeZone = zone
    }

    private static func days(_ text: String) throws -> Set<Int> {
        if text == "all" { return Set(1...7) }
        var days = Set<Int>()
        for item in text.split(separator: ",").map(String.init) {
            let ends = item.split(separator: "-").map(String.init)
            let numbers = try ends.map { name -> Int in
                guard let index = dayNames.firstIndex(of: name) else { throw ParseError(message: "\(name) is not a day (mon … sun)") }
                return index
            }
            guard numbers.count == 1 || numbers.count == 2 else { throw ParseError(message: "\(item) is not a day or a range of days") }
            var day = numbers[0]
            while true {
                days.insert(day + 1)
                if day == numbers.last! { break }
                day = (day + 1) % 7
            }
        }
        return days
    }

    private static func minute(_ text: String) -> Int? {
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, (0...24).contains(parts[0]), (0...59).contains(parts[1]), parts[0] * 60 + parts[1] <= 24 * 60 else { return nil }
        return parts[0] * 60 + parts[1]
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Whether email may go out at `date`.
    public func isOpen(at date: Date) -> Bool {
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return weekdays.contains(parts.weekday ?? 0) && minute >= startMinute && minute < endMinute
    }

    /// `date` when email may go out then, else the next opening after it.
    public func nextSendingTime(from date: Date) -> Date {
        if isOpen(at: date) { return date }
        let calendar = calendar
        let today = calendar.startOfDay(for: date)
        for offset in 0...7 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today),
                  weekdays.contains(calendar.component(.weekday, from: day)),
                  let opening = calendar.date(bySettingHour: startMinute / 60, minute: startMinute % 60, second: 0, of: day),
                  opening > date else { continue }
            return opening
        }
        return date
    }
}
