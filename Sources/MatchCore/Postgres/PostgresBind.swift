/// One parameter as it is sent to the server: its type, its format and its bytes (nil is NULL).
public struct PostgresBind: Sendable, Hashable {
    /// The parameter's type; `.unspecified` lets the server infer it from the statement.
    public var type: PostgresDataType
    /// Whether `bytes` are in PostgreSQL's binary format rather than its text format.
    public var isBinary: Bool
    /// The value's bytes, or nil for NULL.
    public var bytes: [UInt8]?

    /// A value in PostgreSQL's text format.
    public init(type: PostgresDataType, text: String?) {
        self.type = type
        self.isBinary = false
        self.bytes = text.map { Array($0.utf8) }
    }

    /// A value in PostgreSQL's binary format.
    public init(type: PostgresDataType, binary: [UInt8]?) {
        self.type = type
        self.isBinary = true
        self.bytes = binary
    }

    /// The value as COPY's text format expects it, unescaped (nil is NULL).
    var copyText: [UInt8]? {
        guard let bytes else { return nil }
        guard isBinary else { return bytes }
        // Only bytea is sent in binary form; COPY's text form of it is the hex escape.
        return Array("\\x".utf8) + HexEncoding.encode(bytes)
    }
}

/// Lower-case hex, as PostgreSQL writes bytea.
enum HexEncoding {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return out
    }

    static func decode<S: Collection>(_ text: S) -> [UInt8]? where S.Element == UInt8 {
        guard text.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(text.count / 2)
        var high: UInt8?
        for char in text {
            guard let nibble = value(of: char) else { return nil }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return out
    }

    private static func value(of char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return char - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
