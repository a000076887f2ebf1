import Foundation

/// Any `Codable` value stored as jsonb: `\(PostgresJSONB(args))` as a parameter, and
/// `row.decode(PostgresJSONB<Args>.self, "args").value` to read it back.
public struct PostgresJSONB<Value: Codable & Sendable>: PostgresEncodable, PostgresValueDecodable, PostgresDecodable {
    /// The wrapped value.
    public var value: Value

    /// Wraps a value.
    public init(_ value: Value) { self.value = value }

    public static var postgresType: PostgresDataType { .jsonb }

    public var postgresBind: PostgresBind {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Encoding a Codable value into JSON fails only for non-finite floats; send NULL-free "null".
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return PostgresBind(type: .jsonb, text: String(decoding: data, as: UTF8.self))
    }

    public static var postgresTypeName: String { "JSON of \(Value.self)" }

    public static func accepts(_ type: PostgresDataType) -> Bool { type == .jsonb || type == .json }

    public init?(postgresText text: String, type: PostgresDataType) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let value = try? decoder.decode(Value.self, from: Data(text.utf8)) else { return nil }
        self.value = value
    }
}
