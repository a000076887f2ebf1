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
        let encoder = jsonbEncoder
        // Encoding a Codable value into JSON fails only for non-finite floats; send NULL-free "null".
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return PostgresBind(type: .jsonb, text: String(decoding: data, as: UTF8.self))
    }

    public static var postgresTypeName: String { "JSON of \(Value.self)" }

    public static func accepts(_ type: PostgresDataType) -> Bool { type == .jsonb || type == .json }

    public init?(postgresText text: String, type: PostgresDataType) {
        guard let value = try? jsonbDecoder.decode(Value.self, from: Data(text.utf8)) else { return nil }
        self.value = value
    }
}

/// One encoder for every jsonb parameter, for the same reason.
private let jsonbEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return encoder
}()

/// One decoder for every jsonb value: configured once and never changed, so sharing it is safe,
/// and rows with many jsonb cells do not each build one.
private let jsonbDecoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return decoder
}()
