import Foundation
import Hummingbird
import MatchCore
import NIOCore

/// The API's JSON: ISO 8601 times and sorted keys. Every key is the name its type declares in its
/// `CodingKeys` (the documented snake_case name); nothing guesses names from Swift's.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// A JSON pointer to where a decoding error happened: the declared names, array indexes as numbers.
    static func pointer(_ path: [any CodingKey]) -> String {
        path.map { key in key.intValue.map(String.init) ?? APIContract.BodyShape.escape(key.stringValue) }
            .reduce("") { $0 + "/" + $1 }
    }

    /// A JSON response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// A request body, read once: its bytes (for the idempotency hash) and its decoded value.
struct JSONBody<Value: Decodable> {
    var bytes: [UInt8]
    var value: Value

    /// Reads and decodes the body: 415 unless it is JSON, 413 past the size limit, 400 for
    /// malformed JSON, 422 naming every key the operation's schema does not have (rule
    /// `unknown_field`, at any depth), and 422 naming the field for a value of the wrong type.
    /// With `emptyIsObject`, a request without a body reads as `{}` (actions whose fields are all optional).
    init(_ request: Request, context: LotsenRequestContext, emptyIsObject: Bool = false) async throws {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        bytes = Array(buffer.readableBytesView)
        if bytes.isEmpty, emptyIsObject { bytes = Array("{}".utf8) } else {
            let type = request.headers[.contentType]?.lowercased() ?? ""
            guard type.hasPrefix("application/json") || type.hasPrefix("application/merge-patch+json") else {
                throw APIProblem(status: .unsupportedMediaType, title: "Unsupported media type",
                                 detail: "send the body as application/json")
            }
        }
        if let shape = context.operation.body {
            try Self.refuseWhatTheSchemaLacks(bytes, shape)
        }
        do {
            value = try APIJSON.decoder.decode(Value.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw Self.problem(error)
        }
    }

    /// A key the schema lacks would be dropped by the decoder without a word: refuse it instead,
    /// and text PostgreSQL cannot store, before anything is written.
    static func refuseWhatTheSchemaLacks(_ bytes: [UInt8], _ shape: APIContract.BodyShape) throws {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
            throw APIProblem(status: .badRequest, title: "Malformed JSON", detail: "the body is not valid JSON")
        }
        var errors = FieldErrors()
        for (pointer, rule) in shape.problems(in: parsed) {
            errors.add(pointer, rule: rule, rule == "unknown_field"
                       ? "is not a field of this request; see /openapi.json for the fields it takes"
                       : "must not contain the character U+0000")
        }
        if !errors.entries.isEmpty { throw APIProblem.unprocessable(errors) }
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
