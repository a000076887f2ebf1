/// A PostgreSQL type, by its OID.
public struct PostgresDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The type's OID.
    public var rawValue: UInt32
    /// Creates a type from its OID.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Let the server infer the type from the statement.
    public static let unspecified = PostgresDataType(rawValue: 0)
    /// `bool`.
    public static let bool = PostgresDataType(rawValue: 16)
    /// `bytea`.
    public static let bytea = PostgresDataType(rawValue: 17)
    /// `name`.
    public static let name = PostgresDataType(rawValue: 19)
    /// `int8`.
    public static let int8 = PostgresDataType(rawValue: 20)
    /// `int2`.
    public static let int2 = PostgresDataType(rawValue: 21)
    /// `int4`.
    public static let int4 = PostgresDataType(rawValue: 23)
    /// `text`.
    public static let text = PostgresDataType(rawValue: 25)
    /// `oid`.
    public static let oid = PostgresDataType(rawValue: 26)
    /// `json`.
    public static let json = PostgresDataType(rawValue: 114)
    /// `float4`.
    public static let float4 = PostgresDataType(rawValue: 700)
    /// `float8`.
    public static let float8 = PostgresDataType(rawValue: 701)
    /// `unknown` (an untyped literal).
    public static let unknown = PostgresDataType(rawValue: 705)
    /// `bpchar` (`char(n)`).
    public static let bpchar = PostgresDataType(rawValue: 1042)
    /// `varchar`.
    public static let varchar = PostgresDataType(rawValue: 1043)
    /// `date`.
    public static let date = PostgresDataType(rawValue: 1082)
    /// `timestamp` (without time zone).
    public static let timestamp = PostgresDataType(rawValue: 1114)
    /// `timestamptz`.
    public static let timestamptz = PostgresDataType(rawValue: 1184)
    /// `numeric`.
    public static let numeric = PostgresDataType(rawValue: 1700)
    /// `uuid`.
    public static let uuid = PostgresDataType(rawValue: 2950)
    /// `jsonb`.
    public static let jsonb = PostgresDataType(rawValue: 3802)
    /// `text[]`.
    public static let textArray = PostgresDataType(rawValue: 1009)
    /// `varchar[]`.
    public static let varcharArray = PostgresDataType(rawValue: 1015)
    /// `int8[]`.
    public static let int8Array = PostgresDataType(rawValue: 1016)
    /// `int4[]`.
    public static let int4Array = PostgresDataType(rawValue: 1007)
    /// `int2[]`.
    public static let int2Array = PostgresDataType(rawValue: 1005)
    /// `uuid[]`.
    public static let uuidArray = PostgresDataType(rawValue: 2951)

    /// OIDs from here on belong to types created in a database (enums, domains' arrays, extensions).
    static let firstUserDefinedOID: UInt32 = 16384

    public var description: String {
        Self.knownNames[rawValue] ?? "oid \(rawValue)"
    }

    private static let knownNames: [UInt32: String] = [
        16: "bool", 17: "bytea", 19: "name", 20: "int8", 21: "int2", 23: "int4", 25: "text",
        26: "oid", 114: "json", 700: "float4", 701: "float8", 705: "unknown", 1042: "bpchar",
        1043: "varchar", 1082: "date", 1114: "timestamp", 1184: "timestamptz", 1700: "numeric",
        2950: "uuid", 3802: "jsonb", 1009: "text[]", 1015: "varchar[]", 1016: "int8[]",
        1007: "int4[]", 1005: "int2[]", 2951: "uuid[]",
    ]
}
