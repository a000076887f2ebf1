import Crypto
import Foundation

/// One numbered schema change: a `.sql` file named `NNNN_what_it_does.sql`.
public struct Migration: Sendable, Hashable {
    /// The number that orders migrations.
    public var version: Int
    /// What the migration does (the file name after the number).
    public var name: String
    /// The SQL, run in one transaction.
    public var sql: String
    /// SHA-256 of the file, hex: an applied migration whose file changed is refused.
    public var checksum: String

    /// A migration from its file name and contents; nil when the name is not `NNNN_name.sql`.
    public init?(fileName: String, contents: [UInt8]) {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else { return nil }
        self.version = version
        self.name = String(stem[stem.index(after: underscore)...])
        self.sql = String(decoding: contents, as: UTF8.self)
        self.checksum = SHA256.hash(data: contents).map { String(format: "%02x", $0) }.joined()
    }

    /// The file name it came from.
    public var fileName: String { String(format: "%04d_%@.sql", version, name) }
}
