import Foundation

/// Reads and writes timestamptz in PostgreSQL's ISO text form, with microseconds and any offset.
enum PostgresTimestamp {
    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, in UTC.
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let day = CalendarDate(daysSinceEpoch: Int(days))
        let time = String(format: "%02d:%02d:%02d.%06d", Int(secondOfDay / 3600),
                          Int(secondOfDay % 3600 / 60), Int(secondOfDay % 60), Int(fraction))
        return "\(day) \(time)+00"
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.f…][+|-HH[:MM[:SS]]]` (the server's output with DateStyle ISO).
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
              let day = CalendarDate(iso: String(decoding: bytes[0..<10], as: UTF8.self)),
              let hour = number(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = number(bytes, 14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = number(bytes, 17, 2) else { return nil }
        var index = 19
        var micros = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 100_000
            while index < bytes.count, let digit = digit(bytes[index]) {
                micros += digit * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds = 0
        if index < bytes.count {
            let sign: Int
            switch bytes[index] {
            case UInt8(ascii: "+"): sign = 1
            case UInt8(ascii: "-"): sign = -1
            case UInt8(ascii: "Z"): sign = 0
            default: return nil
            }
            index += 1
            if sign != 0 {
                var fields: [Int] = []
                while index < bytes.count {
                    guard let value = number(bytes, index, 2) else { return nil }
                    fields.append(value)
                    index += 2
                    if index < bytes.count {
                        guard bytes[index] == UInt8(ascii: ":") else { return nil }
                        index += 1
                    }
                }
                guard (1...3).contains(fields.count) else { return nil }
                let parts = fields + Array(repeating: 0, count: 3 - fields.count)
                offsetSeconds = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])
            }
        }
        let seconds = day.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for index in start..<(start + count) {
            guard let d = digit(bytes[index]) else { return nil }
            value = value * 10 + d
        }
        return value
    }
}
