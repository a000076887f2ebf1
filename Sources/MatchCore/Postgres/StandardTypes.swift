import Foundation

// Conformances of the standard library's and Foundation's value types. Values travel in
// PostgreSQL's text format, except bytea, which goes binary to avoid the hex round trip.

extension Bool: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .bool }
    public var postgresBind: PostgresBind { PostgresBind(type: .bool, text: self ? "t" : "f") }
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .bool }
    public init?(postgresText text: String, type: PostgresDataType) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

private let integerTypes: Set<PostgresDataType> = [.int2, .int4, .int8, .oid]

extension Int: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int8 }
    public var postgresBind: PostgresBind { PostgresBind(type: .int8, text: String(self)) }
    public static func accepts(_ type: PostgresDataType) -> Bool { integerTypes.contains(type) }
    public init?(postgresText text: String, type: PostgresDataType) { self.init(text) }
}

extension Int64: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int8 }
    public var postgresBind: PostgresBind { PostgresBind(type: .int8, text: String(self)) }
    public static func accepts(_ type: PostgresDataType) -> Bool { integerTypes.contains(type) }
    public init?(postgresText text: String, type: PostgresDataType) { self.init(text) }
}

extension Int32: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int4 }
    public var postgresBind: PostgresBind { PostgresBind(type: .int4, text: String(self)) }
    // int8 is not accepted: a value may not fit, and that is a schema mismatch, not data.
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .int2 || type == .int4 }
    public init?(postgresText text: String, type: PostgresDataType) { self.init(text) }
}

extension Double: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .float8 }
    public var postgresBind: PostgresBind {
        let text: String
        if isNaN {
            text = "NaN"
        } else if isInfinite {
            text = self < 0 ? "-Infinity" : "Infinity"
        } else {
            text = "\(self)"
        }
        return PostgresBind(type: .float8, text: text)
    }
    public static func accepts(_ type: PostgresDataType) -> Bool {
        type == .float8 || type == .float4 || type == .numeric || integerTypes.contains(type)
    }
    public init?(postgresText text: String, type: PostgresDataType) { self.init(text) }
}

extension Decimal: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .numeric }
    public var postgresBind: PostgresBind { PostgresBind(type: .numeric, text: description) }
    public static func accepts(_ type: PostgresDataType) -> Bool {
        type == .numeric || integerTypes.contains(type)
    }
    public init?(postgresText text: String, type: PostgresDataType) {
        guard text != "NaN", let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            return nil
        }
        self = value
    }
}

extension String: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    // Sent untyped, so the server reads it as whatever the statement expects (text, uuid, an enum).
    public static var postgresType: PostgresDataType { .unspecified }
    public var postgresBind: PostgresBind { PostgresBind(type: .unspecified, text: self) }
    public static func accepts(_ type: PostgresDataType) -> Bool {
        // Enums, citext and other types created in the database have OIDs past the built-ins.
        [.text, .varchar, .bpchar, .name, .unknown].contains(type)
            || type.rawValue >= PostgresDataType.firstUserDefinedOID
    }
    public init?(postgresText text: String, type: PostgresDataType) { self = text }
}

extension UUID: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .uuid }
    public var postgresBind: PostgresBind { PostgresBind(type: .uuid, text: uuidString.lowercased()) }
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .uuid }
    public init?(postgresText text: String, type: PostgresDataType) { self.init(uuidString: text) }
}

extension Data: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .bytea }
    public var postgresBind: PostgresBind { PostgresBind(type: .bytea, binary: [UInt8](self)) }
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .bytea }
    public init?(postgresText text: String, type: PostgresDataType) {
        let utf8 = text.utf8
        guard utf8.starts(with: "\\x".utf8), let bytes = HexEncoding.decode(utf8.dropFirst(2)) else { return nil }
        self.init(bytes)
    }
}

extension Date: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .timestamptz }
    public var postgresBind: PostgresBind {
        PostgresBind(type: .timestamptz, text: PostgresTimestamp.format(self))
    }
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .timestamptz }
    public init?(postgresText text: String, type: PostgresDataType) {
        guard let date = PostgresTimestamp.parse(text) else { return nil }
        self = date
    }
}

extension CalendarDate: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .date }
    public var postgresBind: PostgresBind { PostgresBind(type: .date, text: description) }
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .date }
    public init?(postgresText text: String, type: PostgresDataType) { self.init(iso: text) }
}
