import CPostgres
import Foundation

/// An error from the database layer: the server's, the connection's, or decoding a value.
///
/// `description` is safe to log and to show a user: it carries the SQLSTATE, its condition name
/// and identifiers (constraint, table, column) but never SQL text, parameter values or the
/// server's DETAIL field, which quotes values (`Key (case_ref)=(...)`). `debugDescription` has all.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: Sendable, Equatable {
        /// The server reported an error for a statement.
        case server
        /// Connecting failed, or the connection broke.
        case connection
        /// A value could not be decoded into the requested Swift type.
        case decoding
        /// No connection of the pool became free in time.
        case poolTimeout
        /// The pool was closed.
        case poolClosed
        /// The connection was reset (after a late cancel) while a transaction was open on it.
        case sessionLost
        /// The caller used the API in a way it does not allow.
        case misuse
    }

    /// What went wrong, broadly.
    public var kind: Kind
    /// The five-character SQLSTATE, for server errors (and `57014` for a cancelled statement).
    public var sqlState: String?
    /// The server's severity (ERROR, FATAL, PANIC).
    public var severity: String?
    /// The primary message; may quote values for data exceptions, so shown only where safe.
    public var message: String
    /// The server's DETAIL field; may quote values: only in `debugDescription`.
    public var detail: String?
    /// The server's HINT field.
    public var hint: String?
    /// The constraint that was violated, if any.
    public var constraintName: String?
    /// The table concerned, if any.
    public var tableName: String?
    /// The column concerned, if any.
    public var columnName: String?
    /// The schema concerned, if any.
    public var schemaName: String?

    /// Creates an error of a kind with a message that must be safe to log.
    public init(_ kind: Kind, _ message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    /// The condition name of the SQLSTATE (e.g. `unique_violation`), when it is a known one.
    public var conditionName: String? { sqlState.flatMap { SQLState.names[$0] } }

    /// Whether the server cancelled the statement (SQLSTATE 57014).
    public var isQueryCanceled: Bool { sqlState == SQLState.queryCanceled }

    /// Whether the error means the connection can no longer be used.
    public var isConnectionFailure: Bool {
        kind == .connection || kind == .sessionLost || (sqlState?.hasPrefix("08") ?? false)
            || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    public var description: String {
        var parts: [String] = []
        if let sqlState {
            parts.append("PostgreSQL error \(sqlState)" + (conditionName.map { " (\($0))" } ?? ""))
        } else {
            parts.append("database error (\(kind))")
        }
        // Data exceptions (class 22) quote the offending input in their message: withhold it.
        if sqlState?.hasPrefix("22") == true {
            parts.append("invalid value")
        } else {
            parts.append(message)
        }
        if let constraintName { parts.append("constraint \(constraintName)") }
        if let tableName { parts.append("table \(tableName)") }
        if let columnName { parts.append("column \(columnName)") }
        return parts.joined(separator: ": ")
    }

    public var debugDescription: String {
        var text = "\(severity ?? "ERROR") \(sqlState ?? "-"): \(message)"
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }

    /// Reads the error fields of a failed result.
    static func fromResult(_ result: OpaquePointer) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let primary = field(Int32(UInt8(ascii: "M"))) ?? String(cString: PQresultErrorMessage(result))
        var error = PostgresError(.server, primary.trimmingCharacters(in: .newlines),
                                  sqlState: field(Int32(UInt8(ascii: "C"))))
        error.severity = field(Int32(UInt8(ascii: "V"))) ?? field(Int32(UInt8(ascii: "S")))
        error.detail = field(Int32(UInt8(ascii: "D")))
        error.hint = field(Int32(UInt8(ascii: "H")))
        error.constraintName = field(Int32(UInt8(ascii: "n")))
        error.tableName = field(Int32(UInt8(ascii: "t")))
        error.columnName = field(Int32(UInt8(ascii: "c")))
        error.schemaName = field(Int32(UInt8(ascii: "s")))
        if error.sqlState == nil { error.kind = .connection }
        return error
    }

    /// The connection-level error message libpq holds for a connection.
    static func fromConnection(_ connection: OpaquePointer?, context: String) -> PostgresError {
        let text = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "no connection"
        return PostgresError(.connection, "\(context): \(text.trimmingCharacters(in: .whitespacesAndNewlines))",
                             sqlState: "08006")
    }
}

