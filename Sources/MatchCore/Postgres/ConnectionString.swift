import CPostgres

/// Reads and rewrites libpq connection strings (URI or key=value) with libpq's own parser.
public enum ConnectionString {
    /// The keyword/value pairs that `conninfo` sets; nil when libpq cannot parse it.
    public static func parse(_ conninfo: String) -> [(keyword: String, value: String)]? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var pairs: [(String, String)] = []
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val { pairs.append((String(cString: keyword), String(cString: value))) }
            cursor += 1
        }
        return pairs
    }

    /// `conninfo` with its database replaced by `database`, as a key=value string.
    public static func replacingDatabase(in conninfo: String, with database: String) -> String {
        var pairs = (parse(conninfo) ?? []).filter { $0.keyword != "dbname" }
        pairs.append(("dbname", database))
        return pairs.map { "\($0.keyword)=\(quote($0.value))" }.joined(separator: " ")
    }

    /// The connection string with any password removed, safe to print or log.
    public static func redacted(_ conninfo: String) -> String {
        guard let pairs = parse(conninfo) else { return "(unparseable connection string)" }
        return pairs.filter { $0.keyword != "password" }.map { "\($0.keyword)=\(quote($0.value))" }
            .joined(separator: " ")
    }

    /// A value quoted for key=value form when it needs it.
    public static func quote(_ value: String) -> String {
        let plain = !value.isEmpty && !value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" })
        if plain { return value }
        var out = "'"
        for char in value {
            if char == "'" || char == "\\" { out.append("\\") }
            out.append(char)
        }
        return out + "'"
    }
}
