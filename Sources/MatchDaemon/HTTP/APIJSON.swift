import Foundation
import Hummingbird
import MatchCore
import NIOCore
import Synchronization

/// The API's JSON: snake_case keys (`forbund_id` for `forbundID`), ISO 8601 times, sorted keys.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .custom { path in SnakeKey(snakeNames.name(path.last!.stringValue)) }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .custom { path in SnakeKey(camelCase(path.last!.stringValue)) }
        return decoder
    }()

    /// The API's names of the Swift keys seen so far: a few dozen, asked for on every key of every answer.
    static let snakeNames = KeyNameCache(convert: snakeCase)

    /// `forbundID` → `forbund_id`, `postalCode` → `postal_code`.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { result.append("_") }
            }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }

    /// `forbund_id` → `forbundID`, `postal_code` → `postalCode`.
    static func camelCase(_ name: String) -> String {
        let parts = name.split(separator: "_")
        guard let first = parts.first else { return name }
        return String(first) + parts.dropFirst().map { $0 == "id" ? "ID" : $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// A JSON pointer to where a decoding error happened, in the API's key names.
    static func pointer(_ path: [any CodingKey]) -> String {
        path.map { key in key.intValue.map(String.init) ?? snakeCase(key.stringValue) }.reduce("") { $0 + "/" + $1 }
    }

    /// A JSON response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// Remembers converted key names.
final class KeyNameCache: Sendable {
    private let names = Mutex<[String: String]>([:])
    private let convert: @Sendable (String) -> String

    init(convert: @escaping @Sendable (String) -> String) { self.convert = convert }

    func name(_ key: String) -> String {
        if let known = names.withLock({ $0[key] }) { return known }
        let converted = convert(key)
        names.withLock { $0[key] = converted }
        return converted
    }
}

/// A coding key made from a converted name.
struct SnakeKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A request body, read once: its bytes (for the idempotency hash) and its decoded value.
struct JSONBody<Value: Decodable> {
    var bytes: [UInt8]
    var value: Value

    /// Reads and decodes the body: 415 unless it is JSON, 413 past the size limit, 400 for
    /// malformed JSON, and 422 naming the field for a value of the wrong type.
    init(_ request: Request, context: LotsenRequestContext) async throws {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") || type.hasPrefix("application/merge-patch+json") else {
            throw APIProblem(status: .unsupportedMediaType, title: "Unsupported media type",
                             detail: "send the body as application/json")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        bytes = Array(buffer.readableBytesView)
        do {
            value = try APIJSON.decoder.decode(Value.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw Self.problem(error)
        }
    }

    static func problem(_ error: DecodingError) -> APIProblem {
        var errors = FieldErrors()
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return APIProblem(status: .badRequest, title: "Malformed JSON", detail: "the body is not valid JSON")
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return APIProblem(status: .badRequest, title: "Malformed JSON", detail: "the body must be a JSON object")
        case .dataCorrupted(let context):
            errors.add(APIJSON.pointer(context.codingPath), rule: "format", "has the wrong format (\(context.debugDescription))")
        case .typeMismatch(let type, let context):
            errors.add(APIJSON.pointer(context.codingPath), rule: "type", "must be \(jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            errors.add(APIJSON.pointer(context.codingPath), rule: "type", "must be \(jsonTypeName(type)), not null")
        case .keyNotFound(let key, let context):
            errors.add(APIJSON.pointer(context.codingPath + [key]), rule: "required", "is required")
        @unknown default:
            return APIProblem(status: .badRequest, title: "Malformed JSON", detail: nil)
        }
        return .unprocessable(errors)
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is UUID.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
