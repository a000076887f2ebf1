/// `[http]`: where `matchd` listens.
public struct HTTPConfiguration: Sendable {
    /// The address to bind.
    public var host: String
    /// The TCP port.
    public var port: Int

    init(reader: ConfigurationReader) throws {
        host = try reader.string("http", "host", default: "127.0.0.1")
        port = try reader.int("http", "port", default: 8080, range: 1...65535)
    }
}
