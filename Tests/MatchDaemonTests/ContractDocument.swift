import Foundation
import Testing
@testable import MatchCore
@testable import MatchDaemon

/// `openapi.json` as the contract tests read it: operations, schemas with `$ref`s followed, and
/// the checks that hold a JSON value to a schema.
struct ContractDocument {
    let root: [String: Any]

    /// One operation of the document.
    struct Operation {
        var method: String
        var path: String
        var object: [String: Any]
        var id: String { object["operationId"] as? String ?? "\(method) \(path)" }
        var pathParameters: [String] {
            path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
        }
    }

    init() throws {
        root = try #require(try JSONSerialization.jsonObject(with: Data(PackageResources.openapi_json)) as? [String: Any])
    }

    var operations: [Operation] {
        let paths = (root["paths"] as? [String: [String: Any]]) ?? [:]
        return paths.keys.sorted().flatMap { path in
            ["get", "post", "put", "delete"].compactMap { method in
                (paths[path]?[method] as? [String: Any]).map { Operation(method: method.uppercased(), path: path, object: $0) }
            }
        }
    }

    /// A node with every `$ref` followed.
    func resolve(_ node: Any?) -> [String: Any] {
        guard var object = node as? [String: Any] else { return [:] }
        while let reference = object["$ref"] as? String {
            var target: Any? = root
            for part in reference.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(part)] }
            object = (target as? [String: Any]) ?? [:]
        }
        return object
    }

    /// The schema of an operation's JSON request body.
    func requestSchema(_ operation: Operation) -> [String: Any]? {
        let body = resolve(operation.object["requestBody"])
        guard let content = body["content"] as? [String: Any], let json = content["application/json"] as? [String: Any] else {
            return nil
        }
        return resolve(json["schema"])
    }

    /// The schema of an operation's answer with `status`, if it has a JSON body.
    func responseSchema(_ operation: Operation, status: Int) -> [String: Any]? {
        let responses = (operation.object["responses"] as? [String: Any]) ?? [:]
        let response = resolve(responses[String(status)])
        guard let content = response["content"] as? [String: Any] else { return nil }
        let json = (content["application/json"] ?? content["application/problem+json"]) as? [String: Any]
        return json.map { resolve($0["schema"]) }
    }

    /// The object branches of a schema (itself, or its `anyOf`/`oneOf`/`allOf` members that are objects).
    func objectBranches(_ schema: [String: Any]) -> [[String: Any]] {
        let branches = ["anyOf", "oneOf", "allOf"].flatMap { (schema[$0] as? [Any]) ?? [] }.map { resolve($0) }
        return ([schema] + branches).filter { $0["properties"] != nil }
    }

    static func types(_ schema: [String: Any]) -> [String] {
        if let one = schema["type"] as? String { return [one] }
        return (schema["type"] as? [Any])?.compactMap { $0 as? String } ?? []
    }

    static func isReadOnly(_ node: Any?) -> Bool { (node as? [String: Any])?["readOnly"] as? Bool == true }

    /// Where `value` has keys the schema does not document or lacks keys it requires, at any
    /// depth, and nulls where the schema allows none.
    func shapeProblems(_ value: Any, _ node: Any?, at pointer: String = "") -> [String] {
        let schema = resolve(node)
        let branches = ["anyOf", "oneOf"].flatMap { (schema[$0] as? [Any]) ?? [] }
        if !branches.isEmpty {
            let tried = branches.map { shapeProblems(value, $0, at: pointer) }
            return tried.contains { $0.isEmpty } ? [] : tried.min { $0.count < $1.count } ?? []
        }
        switch value {
        case is NSNull:
            return Self.types(schema).isEmpty || Self.types(schema).contains("null") ? [] : ["\(pointer): null is not documented"]
        case let object as [String: Any]:
            let properties = (schema["properties"] as? [String: Any]) ?? [:]
            var problems = object.keys.filter { properties[$0] == nil }.sorted().map { "\(pointer)/\($0): not documented" }
            problems += ((schema["required"] as? [String]) ?? []).filter { object[$0] == nil }.map { "\(pointer)/\($0): missing" }
            for (key, item) in object where properties[key] != nil {
                problems += shapeProblems(item, properties[key], at: "\(pointer)/\(key)")
            }
            return problems
        case let array as [Any]:
            return array.enumerated().flatMap { shapeProblems($1, schema["items"], at: "\(pointer)/\($0)") }
        default:
            return []
        }
    }

    /// The properties an example must set: every property that is not read-only, in every object
    /// branch, and the same inside nested objects and each element of arrays.
    /// Whether the operation answers an endless `text/event-stream` (read by the inbox stream tests instead).
    func isEventStream(_ operation: Operation) -> Bool {
        let ok = (operation.object["responses"] as? [String: Any])?["200"] as? [String: Any]
        return (ok?["content"] as? [String: Any])?["text/event-stream"] != nil
    }

    func incompleteness(_ example: Any?, _ node: Any?, at pointer: String) -> [String] {
        let schema = resolve(node)
        if let array = example as? [Any] {
            let items = schema["items"] ?? (["anyOf", "oneOf"].flatMap { (schema[$0] as? [Any]) ?? [] }.map { resolve($0) }
                .first { $0["items"] != nil }?["items"])
            if array.isEmpty { return ["\(pointer): an empty array shows no element"] }
            return array.enumerated().flatMap { incompleteness($1, items, at: "\(pointer)/\($0)") }
        }
        guard let object = example as? [String: Any] else {
            if example == nil || example is NSNull, !objectBranches(schema).isEmpty || schema["items"] != nil {
                return ["\(pointer): null where the schema has a shape to show"]
            }
            return []
        }
        var problems: [String] = []
        for branch in objectBranches(schema) {
            for (name, property) in (branch["properties"] as? [String: Any]) ?? [:] where !Self.isReadOnly(property) {
                guard let value = object[name], !(value is NSNull) else {
                    problems.append("\(pointer)/\(name): not set")
                    continue
                }
                problems += incompleteness(value, property, at: "\(pointer)/\(name)")
            }
        }
        return problems
    }

    /// Every JSON pointer of `example` that lands on a JSON object or array of objects (where a
    /// nested unknown key can be put), and the top itself.
    func nestedObjectPointers(_ example: [String: Any]) -> [String] {
        example.keys.sorted().compactMap { key in
            switch example[key] {
            case is [String: Any]: "/\(key)"
            case let array as [Any] where array.first is [String: Any]: "/\(key)/0"
            default: nil
            }
        }
    }
}

/// Reads and writes a JSON value by JSON pointer (RFC 6901, without escapes: the API's keys have none).
enum JSONPointer {
    static func get(_ value: Any, _ pointer: String) -> Any? {
        var node: Any? = value
        for part in pointer.split(separator: "/") {
            if let array = node as? [Any], let index = Int(part) { node = index < array.count ? array[index] : nil }
            else { node = (node as? [String: Any])?[String(part)] }
        }
        return node
    }

    static func set(_ root: inout [String: Any], _ pointer: String, _ newValue: Any) {
        let parts = pointer.split(separator: "/").map(String.init)
        root = setting(root, parts[...], newValue) as? [String: Any] ?? root
    }

    private static func setting(_ node: Any, _ parts: ArraySlice<String>, _ newValue: Any) -> Any {
        guard let first = parts.first else { return newValue }
        if var array = node as? [Any], let index = Int(first), index < array.count {
            array[index] = setting(array[index], parts.dropFirst(), newValue)
            return array
        }
        var object = (node as? [String: Any]) ?? [:]
        object[first] = setting(object[first] ?? [String: Any](), parts.dropFirst(), newValue)
        return object
    }
}

/// Canonical JSON text of a value, for comparing numbers, strings, booleans and nulls exactly.
func canonicalJSON(_ value: Any?) -> String {
    let data = try? JSONSerialization.data(withJSONObject: [value ?? NSNull()], options: [.sortedKeys, .fragmentsAllowed])
    return data.map { String(decoding: $0, as: UTF8.self) } ?? "?"
}
