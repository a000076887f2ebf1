import Foundation
import MatchCore

/// The OpenAPI document as the server enforces it. `openapi.json` is the one statement of what
/// each operation accepts: the query parameters it names and the keys its request body may carry.
/// The routes hold every request to it before they read anything, so a key or parameter the
/// document lacks is refused instead of quietly ignored, and the two cannot drift apart.
struct APIContract: Sendable {
    /// What one operation accepts.
    struct Operation: Sendable {
        /// Its query parameters by name.
        var query: [String: QueryParameter]
        /// The shape of its JSON request body, if it takes one.
        var body: BodyShape?

        /// An operation the document does not describe: it accepts nothing beyond its path.
        static let undocumented = Operation(query: [:], body: nil)

        /// Every query parameter named and well formed by the document's rules: an unknown one
        /// is a 400 naming it (`?foo`, rule `unknown_parameter`), and so is a malformed value.
        func checkQuery(_ parameters: [(name: String, value: String)]) throws(FieldErrors) {
            var errors = FieldErrors()
            for (name, value) in parameters {
                guard let parameter = query[name] else {
                    let known = query.keys.sorted().map { "?\($0)" }.joined(separator: ", ")
                    errors.add("?\(name)", rule: "unknown_parameter",
                               known.isEmpty ? "is not a parameter of this operation, which takes none"
                                             : "is not a parameter of this operation (it takes \(known))")
                    continue
                }
                if let problem = parameter.problem(with: value) {
                    errors.add("?\(name)", rule: problem.rule, problem.message)
                }
            }
            if !errors.entries.isEmpty { throw errors }
        }
    }

    /// A query parameter's rules, as far as the document states them.
    struct QueryParameter: Sendable {
        var type: String?
        var format: String?
        var allowed: [String]?
        var minimum: Int?
        var maximum: Int?

        /// What is wrong with `value`, or nil.
        func problem(with value: String) -> (rule: String, message: String)? {
            if value.isEmpty { return ("not_empty", "must not be empty: give a value or leave the parameter out") }
            if let allowed, !allowed.contains(value) { return ("enum", "must be one of: \(allowed.joined(separator: ", "))") }
            if format == "uuid", UUID(uuidString: value) == nil { return ("format", "must be an id (a UUID)") }
            switch type {
            case "integer":
                guard let number = Int(value) else { return ("type", "must be a whole number") }
                if let minimum, number < minimum { return ("range", "must be at least \(minimum)") }
                if let maximum, number > maximum { return ("range", "must be at most \(maximum)") }
            case "boolean":
                if value != "true" && value != "false" { return ("type", "must be true or false") }
            default:
                break
            }
            return nil
        }
    }

    /// The keys a JSON value may carry, by the schema it must match.
    indirect enum BodyShape: Sendable {
        /// An object: its properties (read-only ones are accepted and ignored) and whether other
        /// keys are refused (`additionalProperties: false`).
        case object(properties: [String: BodyShape], closed: Bool)
        /// An array of items of one shape.
        case array(BodyShape)
        /// Anything else: a scalar, or a schema that constrains no keys.
        case leaf

        /// What in `value` no field of this shape may hold, at any depth: a key the shape does not
        /// have (`unknown_field`), and text with U+0000, which no text column can store (`no_nul`).
        func problems(in value: Any, at pointer: String = "") -> [(pointer: String, rule: String)] {
            switch (self, value) {
            case (.object(let properties, let closed), let object as [String: Any]):
                return object.keys.sorted().flatMap { key -> [(pointer: String, rule: String)] in
                    let here = pointer + "/" + Self.escape(key)
                    guard let property = properties[key] else { return closed ? [(here, "unknown_field")] : [] }
                    return property.problems(in: object[key]!, at: here)
                }
            case (.array(let item), let array as [Any]):
                return array.enumerated().flatMap { item.problems(in: $1, at: "\(pointer)/\($0)") }
            case (_, let text as String) where text.unicodeScalars.contains("\u{0}"):
                return [(pointer, "no_nul")]
            default:
                return []
            }
        }

        /// RFC 6901: `~` and `/` in a key.
        static func escape(_ key: String) -> String {
            key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
        }
    }

    private let operations: [String: Operation]
    /// Each documented path's segments (`{name}` for a parameter) and the methods it takes.
    private let paths: [(segments: [Substring], methods: [String])]

    /// The document this server serves.
    static let served = APIContract(document: PackageResources.openapi_json)

    /// Reads the operations of an OpenAPI 3.1 document; a document that does not parse describes none.
    init(document bytes: [UInt8]) {
        let document = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        let reader = SchemaReader(document: document)
        var operations: [String: Operation] = [:]
        var paths: [(segments: [Substring], methods: [String])] = []
        for (path, item) in (document["paths"] as? [String: [String: Any]]) ?? [:] {
            let shared = item["parameters"] as? [Any] ?? []
            var methods: [String] = []
            for (method, value) in item {
                guard let operation = value as? [String: Any], method != "parameters" else { continue }
                operations[Self.key(method, path)] = reader.operation(operation, sharedParameters: shared)
                methods.append(method.uppercased())
            }
            paths.append((path.split(separator: "/"), methods.sorted()))
        }
        self.operations = operations
        self.paths = paths
    }

    /// The methods the document gives the path a request named (`/v1/offers/8c1…` matches
    /// `/v1/offers/{offer_id}`); empty when no documented path matches.
    func methods(at requestPath: String) -> [String] {
        let segments = requestPath.split(separator: "/")
        for path in paths where path.segments.count == segments.count {
            let matches = zip(path.segments, segments).allSatisfy { template, actual in
                (template.hasPrefix("{") && template.hasSuffix("}")) || template == actual
            }
            if matches { return path.methods }
        }
        return []
    }

    /// The operation at `METHOD path` (the path as the document writes it, `/v1/offers/{offer_id}`).
    func operation(_ method: String, _ path: String) -> Operation? {
        operations[Self.key(method, path)]
    }

    private static func key(_ method: String, _ path: String) -> String { method.uppercased() + " " + path }
}

/// Reads parameters and schemas out of the parsed document, following `$ref`s.
private struct SchemaReader {
    let document: [String: Any]

    func operation(_ operation: [String: Any], sharedParameters: [Any]) -> APIContract.Operation {
        var query: [String: APIContract.QueryParameter] = [:]
        for entry in sharedParameters + (operation["parameters"] as? [Any] ?? []) {
            guard let parameter = resolved(entry), parameter["in"] as? String == "query",
                  let name = parameter["name"] as? String else { continue }
            let schema = resolved(parameter["schema"] ?? [:]) ?? [:]
            query[name] = APIContract.QueryParameter(
                type: Self.types(schema).first { $0 != "null" }, format: schema["format"] as? String,
                allowed: (schema["enum"] as? [Any])?.compactMap { $0 as? String },
                minimum: schema["minimum"] as? Int, maximum: schema["maximum"] as? Int)
        }
        var body: APIContract.BodyShape?
        if let requestBody = resolved(operation["requestBody"] ?? [:]),
           let content = requestBody["content"] as? [String: Any],
           let json = content["application/json"] as? [String: Any], let schema = json["schema"] {
            body = shape(schema, depth: 0)
        }
        return APIContract.Operation(query: query, body: body)
    }

    /// The shape of a schema: its properties, items and whether it is closed, with `allOf`,
    /// `anyOf` and `oneOf` merged (a key any branch allows is allowed).
    func shape(_ node: Any, depth: Int) -> APIContract.BodyShape {
        guard depth < 32, let schema = resolved(node) else { return .leaf }
        // A read-only property echoed back (a record read, changed and sent whole) is accepted
        // and ignored, whatever it holds.
        if (node as? [String: Any])?["readOnly"] as? Bool == true || schema["readOnly"] as? Bool == true { return .leaf }
        let branches = ["allOf", "anyOf", "oneOf"].flatMap { (schema[$0] as? [Any]) ?? [] }.map { shape($0, depth: depth + 1) }
        var properties: [String: APIContract.BodyShape] = [:]
        for (name, property) in (schema["properties"] as? [String: Any]) ?? [:] {
            properties[name] = shape(property, depth: depth + 1)
        }
        var closed = (schema["additionalProperties"] as? Bool) == false
        var isObject = !properties.isEmpty || Self.types(schema).contains("object")
        for case .object(let more, let moreClosed) in branches {
            properties.merge(more) { first, _ in first }
            closed = closed || moreClosed
            isObject = true
        }
        if isObject { return .object(properties: properties, closed: closed) }
        if let items = schema["items"] { return .array(shape(items, depth: depth + 1)) }
        for case .array(let item) in branches { return .array(item) }
        return .leaf
    }

    /// A node with its `$ref` followed (once per level; the document's references are acyclic).
    func resolved(_ node: Any) -> [String: Any]? {
        guard var object = node as? [String: Any] else { return nil }
        var hops = 0
        while let reference = object["$ref"] as? String, reference.hasPrefix("#/"), hops < 16 {
            var target: Any? = document
            for part in reference.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(part)] }
            guard let next = target as? [String: Any] else { return nil }
            object = next
            hops += 1
        }
        return object
    }

    static func types(_ schema: [String: Any]) -> [String] {
        if let one = schema["type"] as? String { return [one] }
        return (schema["type"] as? [Any])?.compactMap { $0 as? String } ?? []
    }
}
