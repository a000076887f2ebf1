import Foundation

/// Ids go out in the lower-case form (RFC 9562 recommends it, and it is how paths carry them);
/// Foundation's `UUID` encodes upper case.
extension KeyedEncodingContainer {
    /// Encodes an id in lower case, or null.
    public mutating func encodeID(_ id: UUID?, forKey key: Key) throws {
        if let id { try encode(id.uuidString.lowercased(), forKey: key) } else { try encodeNil(forKey: key) }
    }
}
