/// A Swift value that can be sent as a statement parameter.
public protocol PostgresEncodable: Sendable {
    /// The PostgreSQL type the value is sent as (also for NULL of an optional).
    static var postgresType: PostgresDataType { get }
    /// The value in its wire form.
    var postgresBind: PostgresBind { get }
}

/// A Swift value that a non-NULL column value can be decoded into.
public protocol PostgresValueDecodable: Sendable {
    /// The Swift type's name in error messages.
    static var postgresTypeName: String { get }
    /// Whether a column of `type` holds values of this Swift type.
    static func accepts(_ type: PostgresDataType) -> Bool
    /// Decodes the text form of a value; nil when the text is not a valid value.
    init?(postgresText text: String, type: PostgresDataType)
}

/// A Swift type that a column value, NULL included, can be decoded into.
public protocol PostgresDecodable: Sendable {
    /// Decodes a cell, throwing a `PostgresError` of kind `.decoding` that names the column.
    static func decode(from cell: PostgresCell) throws -> Self
}

/// One value of a result row with what is needed to decode it and to name it in an error.
public struct PostgresCell: Sendable {
    /// The column's name.
    public var columnName: String
    /// The column's type.
    public var type: PostgresDataType
    /// The value in PostgreSQL's text format, or nil for NULL.
    public var text: String?
}

extension PostgresValueDecodable {
    public static var postgresTypeName: String { String(describing: Self.self) }
}

extension PostgresDecodable where Self: PostgresValueDecodable {
    public static func decode(from cell: PostgresCell) throws -> Self {
        guard let text = cell.text else {
            throw PostgresError(.decoding, "column \"\(cell.columnName)\": unexpected NULL for a non-optional \(postgresTypeName)")
        }
        return try decodeValue(text, cell: cell)
    }
}

extension PostgresValueDecodable {
    static func decodeValue(_ text: String, cell: PostgresCell) throws -> Self {
        guard accepts(cell.type) else {
            throw PostgresError(.decoding, "column \"\(cell.columnName)\": type mismatch: a \(cell.type) cannot be decoded as \(postgresTypeName)")
        }
        guard let value = Self(postgresText: text, type: cell.type) else {
            throw PostgresError(.decoding, "column \"\(cell.columnName)\": a \(cell.type) value could not be decoded as \(postgresTypeName)")
        }
        return value
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresValueDecodable {
    public static func decode(from cell: PostgresCell) throws -> Wrapped? {
        guard let text = cell.text else { return nil }
        return try Wrapped.decodeValue(text, cell: cell)
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresType: PostgresDataType { Wrapped.postgresType }
    public var postgresBind: PostgresBind {
        switch self {
        case .some(let value): return value.postgresBind
        case .none: return PostgresBind(type: Wrapped.postgresType, text: nil)
        }
    }
}
