import Foundation

/// Checks the fields of a client's input one by one and collects every broken rule, so a request
/// is answered with all of its errors at once. Each check returns the clean value or nil.
public struct InputCheck: Sendable {
    /// The broken rules so far.
    public var errors = FieldErrors()

    /// A check with no errors yet.
    public init() {}

    /// Throws the collected errors, if any.
    public func finish() throws(FieldErrors) {
        if !errors.entries.isEmpty { throw errors }
    }

    /// A value that must be present.
    public mutating func required<T>(_ value: T?, _ pointer: String) -> T? {
        if value == nil { errors.add(pointer, rule: "required", "is required") }
        return value
    }

    /// Trimmed text of at most `maxLength` characters; empty counts as missing when required.
    public mutating func text(_ value: String?, _ pointer: String, required: Bool = false, maxLength: Int = 200) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            if required { errors.add(pointer, rule: "required", "is required and must not be empty") }
            return value == nil ? nil : ""
        }
        if trimmed.count > maxLength {
            errors.add(pointer, rule: "max_length", "must be at most \(maxLength) characters")
        }
        return trimmed
    }

    /// An integer within `range`.
    public mutating func integer(_ value: Int?, _ pointer: String, in range: ClosedRange<Int>, required: Bool = false) -> Int? {
        guard let value else {
            if required { errors.add(pointer, rule: "required", "is required") }
            return nil
        }
        guard range.contains(value) else {
            errors.add(pointer, rule: "range", "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }

    /// One of an enumeration's raw values.
    public mutating func oneOf<E: RawRepresentable & CaseIterable>(_ value: String?, _ pointer: String, as type: E.Type,
                                                                    required: Bool = true) -> E? where E.RawValue == String {
        guard let value else {
            if required { errors.add(pointer, rule: "required", "is required") }
            return nil
        }
        guard let parsed = E(rawValue: value) else {
            errors.add(pointer, rule: "enum", "must be one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return parsed
    }

    /// Each element one of an enumeration's raw values, without repeats.
    public mutating func setOf<E: RawRepresentable & CaseIterable & Hashable>(_ values: [String]?, _ pointer: String,
                                                                           as type: E.Type) -> [E] where E.RawValue == String {
        var result: [E] = []
        for (index, value) in (values ?? []).enumerated() {
            guard let parsed = oneOf(value, "\(pointer)/\(index)", as: type) else { continue }
            if result.contains(parsed) {
                errors.add("\(pointer)/\(index)", rule: "unique_items", "is listed twice")
            } else {
                result.append(parsed)
            }
        }
        return result
    }

    /// A list of short texts (skills, support codes), trimmed, empty ones dropped.
    public mutating func texts(_ values: [String]?, _ pointer: String, maxCount: Int = 50, maxLength: Int = 100) -> [String] {
        let values = values ?? []
        if values.count > maxCount { errors.add(pointer, rule: "max_items", "must have at most \(maxCount) items") }
        var result: [String] = []
        for (index, value) in values.enumerated() {
            if let clean = text(value, "\(pointer)/\(index)", maxLength: maxLength), !clean.isEmpty { result.append(clean) }
        }
        return result
    }

    /// A date as `YYYY-MM-DD`.
    public mutating func date(_ value: String?, _ pointer: String, required: Bool = false) -> CalendarDate? {
        guard let value else {
            if required { errors.add(pointer, rule: "required", "is required") }
            return nil
        }
        guard let date = CalendarDate(iso: value) else {
            errors.add(pointer, rule: "date", "must be a date as YYYY-MM-DD")
            return nil
        }
        return date
    }

    /// A kommunkod of one of the 290 municipalities.
    public mutating func kommunkod(_ value: String?, _ pointer: String) -> ReferenceData.Municipality? {
        guard let value = required(value, pointer) else { return nil }
        guard let municipality = ReferenceData.municipalities[value] else {
            errors.add(pointer, rule: "kommunkod", "must be the four-digit kommunkod of a Swedish municipality")
            return nil
        }
        return municipality
    }

    /// A four-digit SSYK 2012 undergrupp.
    public mutating func occupation(_ value: String?, _ pointer: String) -> String? {
        guard let value = required(value, pointer) else { return nil }
        guard ReferenceData.occupationGroup(value) != nil else {
            errors.add(pointer, rule: "ssyk", "must be a four-digit SSYK 2012 code (undergrupp)")
            return nil
        }
        return value
    }

    /// A coordinate in or near Sweden; both parts or neither.
    public mutating func coordinate(latitude: Double?, longitude: Double?, _ pointer: String) -> (Double, Double)? {
        switch (latitude, longitude) {
        case (nil, nil):
            return nil
        case let (lat?, lon?):
            guard (55...70).contains(lat), (10...25).contains(lon) else {
                errors.add(pointer, rule: "coordinate", "must lie in Sweden (latitude 55–70, longitude 10–25, WGS 84)")
                return nil
            }
            return (lat, lon)
        default:
            errors.add(pointer, rule: "coordinate", "latitude and longitude go together")
            return nil
        }
    }

    /// An e-mail address, when given.
    public mutating func email(_ value: String?, _ pointer: String) -> String? {
        guard let value = text(value, pointer, maxLength: 254), !value.isEmpty else { return nil }
        TenancyRules.checkEmail(value, pointer: pointer, into: &errors)
        return value
    }
}
