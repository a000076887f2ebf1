import Foundation

/// A Swedish organisationsnummer: ten digits NNNNNN-NNNN whose last digit is a Luhn check digit
/// over the first nine, and whose third digit is 2 or more. Accepted with or without the dash and
/// with the `16` prefix; stored and shown in the ten-digit form.
public struct Organisationsnummer: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The ten digits.
    public let digits: String

    /// Why a text is not an organisationsnummer, as a rule name and a sentence.
    public enum Problem: String, Error, Sendable {
        /// Not 10 digits (or 12 with the `16` prefix), with an optional dash before the last four.
        case format
        /// The third digit is below 2 (a personnummer, not an organisation).
        case thirdDigit = "third_digit"
        /// The check digit does not match.
        case checkDigit = "check_digit"

        /// A sentence for the user.
        public var message: String {
            switch self {
            case .format: return "must be 10 digits as NNNNNN-NNNN (a 16 prefix is allowed)"
            case .thirdDigit: return "the third digit must be 2 or more for an organisation"
            case .checkDigit: return "the last digit does not match the check digit of the first nine"
            }
        }
    }

    /// Parses and validates `text`.
    public init(_ text: String) throws(Problem) {
        var compact = text.trimmingCharacters(in: .whitespaces)
        if compact.count == 11 || compact.count == 13, compact.dropLast(4).last == "-" {
            compact.remove(at: compact.index(compact.endIndex, offsetBy: -5))
        }
        guard compact.allSatisfy(\.isASCIIDigitCharacter) else { throw .format }
        if compact.count == 12 {
            guard compact.hasPrefix("16") else { throw .format }
            compact.removeFirst(2)
        }
        guard compact.count == 10 else { throw .format }
        let values = compact.map { Int($0.asciiValue! - 48) }
        guard values[2] >= 2 else { throw .thirdDigit }
        guard Self.luhnCheckDigit(values.prefix(9)) == values[9] else { throw .checkDigit }
        digits = compact
    }

    /// `NNNNNN-NNNN`.
    public var description: String { "\(digits.prefix(6))-\(digits.suffix(4))" }

    /// The Luhn (mod 10) check digit of `values`.
    static func luhnCheckDigit(_ values: ArraySlice<Int>) -> Int {
        var sum = 0
        for (index, value) in values.enumerated() {
            let weighted = index % 2 == 0 ? value * 2 : value
            sum += weighted > 9 ? weighted - 9 : weighted
        }
        return (10 - sum % 10) % 10
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

private extension Character {
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}
