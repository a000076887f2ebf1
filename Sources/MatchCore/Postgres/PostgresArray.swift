import Foundation

/// An element type of the one-dimensional arrays the wrapper sends and reads.
public protocol PostgresArrayElement: PostgresEncodable, PostgresValueDecodable {
    /// The array type whose elements are of this type (e.g. `text[]` for String).
    static var postgresArrayType: PostgresDataType { get }
    /// The element type of the array types this element accepts.
    static func acceptsArray(_ type: PostgresDataType) -> Bool
}

extension String: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .textArray }
    public static func acceptsArray(_ type: PostgresDataType) -> Bool {
        type == .textArray || type == .varcharArray
    }
}

extension Int64: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .int8Array }
    public static func acceptsArray(_ type: PostgresDataType) -> Bool {
        type == .int8Array || type == .int4Array || type == .int2Array
    }
}

extension Int: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .int8Array }
    public static func acceptsArray(_ type: PostgresDataType) -> Bool { Int64.acceptsArray(type) }
}

extension UUID: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .uuidArray }
    public static func acceptsArray(_ type: PostgresDataType) -> Bool { type == .uuidArray }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresDataType { Element.postgresArrayType }
    public var postgresBind: PostgresBind {
        PostgresBind(type: Element.postgresArrayType, text: PostgresArrayLiteral.format(map { $0.postgresBind }))
    }
}

extension Array: PostgresValueDecodable, PostgresDecodable where Element: PostgresArrayElement {
    public static var postgresTypeName: String { "[\(Element.postgresTypeName)]" }
    public static func accepts(_ type: PostgresDataType) -> Bool { Element.acceptsArray(type) }
    public init?(postgresText text: String, type: PostgresDataType) {
        guard let items = PostgresArrayLiteral.parse(text) else { return nil }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for item in items {
            // NULL elements have no place in a non-optional element type.
            guard let item, let element = Element(postgresText: item, type: Element.postgresType) else { return nil }
            result.append(element)
        }
        self = result
    }
}

/// The text form of one-dimensional arrays: `{a,"b c",NULL}`.
enum PostgresArrayLiteral {
    static func format(_ elements: [PostgresBind]) -> String {
        var out = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { out += "," }
            guard let bytes = element.copyText else {
                out += "NULL"
                continue
            }
            out += "\""
            for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
                if scalar == "\"" || scalar == "\\" { out += "\\" }
                out.unicodeScalars.append(scalar)
            }
            out += "\""
        }
        return out + "}"
    }

    /// The elements, nil standing for NULL; nil for text that is not a one-dimensional array.
    static func parse(_ text: String) -> [String?]? {
        var scalars = Substring(text).unicodeScalars[...]
        // A lower bound other than 1 is written as a prefix: [0:2]={...}.
        if scalars.first == "[" {
            guard let equals = scalars.firstIndex(of: "=") else { return nil }
            scalars = scalars[scalars.index(after: equals)...]
        }
        guard scalars.first == "{", scalars.last == "}" else { return nil }
        scalars = scalars.dropFirst().dropLast()
        var items: [String?] = []
        if scalars.isEmpty { return items }
        var index = scalars.startIndex
        while true {
            var item = String.UnicodeScalarView()
            var quoted = false
            if index < scalars.endIndex, scalars[index] == "\"" {
                quoted = true
                index = scalars.index(after: index)
                while index < scalars.endIndex, scalars[index] != "\"" {
                    if scalars[index] == "\\" { index = scalars.index(after: index) }
                    guard index < scalars.endIndex else { return nil }
                    item.append(scalars[index])
                    index = scalars.index(after: index)
                }
                guard index < scalars.endIndex else { return nil }
                index = scalars.index(after: index)
            } else {
                while index < scalars.endIndex, scalars[index] != "," {
                    // Nested arrays are not one-dimensional.
                    if scalars[index] == "{" { return nil }
                    item.append(scalars[index])
                    index = scalars.index(after: index)
                }
            }
            let value = String(item)
            items.append(!quoted && value.uppercased() == "NULL" ? nil : value)
            if index == scalars.endIndex { return items }
            guard scalars[index] == "," else { return nil }
            index = scalars.index(after: index)
        }
    }
}
