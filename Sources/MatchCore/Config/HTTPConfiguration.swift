import Foundation

/// `[http]`: where `matchd` listens, and where its users reach it.
public struct HTTPConfiguration: Sendable {
    /// The address to bind.
    public var host: String
    /// The TCP port.
    public var port: Int
    /// The address users reach matchd at, behind its proxy (`https://lotsen.example.se`), without a
    /// trailing slash; inbox entries (and emails and webhooks) carry links built from it. Nil when
    /// not configured: links are then API paths only.
    public var publicURL: String?

    init(reader: ConfigurationReader) throws {
        host = try reader.string("http", "host", default: "127.0.0.1")
        port = try reader.int("http", "port", default: 8080, range: 1...65535)
        let url = try reader.string("http", "public_url", default: "")
        if url.isEmpty {
            publicURL = nil
        } else {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil,
                  parsed.query == nil else {
                throw ConfigurationError(key: "http.public_url", source: "value \(url)",
                                         problem: "must be an http or https address such as https://lotsen.example.se")
            }
            publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
    }
}
