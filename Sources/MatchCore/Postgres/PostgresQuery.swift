/// A statement with its parameters, built by string interpolation: `\(value)` becomes `$n`
/// and a bind, so values never become SQL text.
///
/// ```swift
/// let rows = try await connection.query("SELECT id FROM employers WHERE forbund_id = \(forbundID)")
/// ```
/// Identifiers that must vary (a channel or table name) go through `\(identifier: name)`,
/// which quotes them; another query can be spliced in with `\(fragment)`, renumbering its binds.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation {
    /// The SQL text with `$1 … $n` placeholders.
    public private(set) var sql: String
    /// The parameters, in placeholder order.
    public private(set) var binds: [PostgresBind]

    /// A statement from a literal without parameters.
    public init(stringLiteral value: String) {
        self.sql = value
        self.binds = []
    }

    /// A statement built by interpolation.
    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
    }

    /// A statement whose text was not written as a literal (a migration file): the caller vouches
    /// that it holds no values.
    public init(unsafeSQL sql: String, binds: [PostgresBind] = []) {
        self.sql = sql
        self.binds = binds
    }

    /// Builds the SQL text and binds of a query.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var sql = ""
        var binds: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Appends a parameter placeholder and its value.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            binds.append(value.postgresBind)
            sql += "$\(binds.count)"
        }

        /// Appends a placeholder for an optional value; nil is sent as a typed NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value.postgresBind)
            sql += "$\(binds.count)"
        }

        /// Appends a quoted identifier (a table, column or channel name).
        public mutating func appendInterpolation(identifier: String) {
            sql += PostgresIdentifier.quote(identifier)
        }

        /// Appends another query, renumbering its placeholders after the ones already here.
        public mutating func appendInterpolation(_ fragment: PostgresQuery) {
            sql += PostgresPlaceholders.shift(fragment.sql, by: binds.count)
            binds += fragment.binds
        }
    }

    /// Joins queries with a separator (e.g. `" AND "` for a WHERE clause), keeping binds in order.
    public static func joined(_ parts: [PostgresQuery], separator: String) -> PostgresQuery {
        var result = PostgresQuery(stringLiteral: "")
        for (index, part) in parts.enumerated() {
            if index > 0 { result.sql += separator }
            result.sql += PostgresPlaceholders.shift(part.sql, by: result.binds.count)
            result.binds += part.binds
        }
        return result
    }
}

/// Quoting of identifiers, for the few names that cannot be parameters.
public enum PostgresIdentifier {
    /// `"name"`, with embedded quotes doubled: always a single identifier, never SQL.
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"").replacingOccurrences(of: "\u{0}", with: "") + "\""
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Renumbers `$n` placeholders outside quoted literals and identifiers.
enum PostgresPlaceholders {
    static func shift(_ sql: String, by offset: Int) -> String {
        guard offset > 0, sql.contains("$") else { return sql }
        var out = String.UnicodeScalarView()
        let scalars = Array(sql.unicodeScalars)
        var index = 0
        var quote: Unicode.Scalar?
        while index < scalars.count {
            let scalar = scalars[index]
            if let open = quote {
                out.append(scalar)
                if scalar == open { quote = nil }
                index += 1
                continue
            }
            if scalar == "'" || scalar == "\"" {
                quote = scalar
                out.append(scalar)
                index += 1
                continue
            }
            if scalar == "$", index + 1 < scalars.count, ("0"..."9").contains(scalars[index + 1]) {
                var end = index + 1
                var number = 0
                while end < scalars.count, ("0"..."9").contains(scalars[end]) {
                    number = number * 10 + Int(scalars[end].value - 48)
                    end += 1
                }
                out.append(contentsOf: "$\(number + offset)".unicodeScalars)
                index = end
                continue
            }
            out.append(scalar)
            index += 1
        }
        return String(out)
    }
}
