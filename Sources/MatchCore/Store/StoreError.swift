import Foundation

/// Why a store refused a write or read, beside broken input rules (`FieldErrors`).
public enum StoreError: Error, Sendable {
    /// No such record in the caller's scope (another förbund's record is "not found" too).
    case notFound
    /// The record changed since the client read it: `If-Match` named an older version.
    case versionMismatch(current: Int)
    /// The write conflicts with what is stored (a duplicate organisationsnummer, a status that
    /// cannot follow the current one, a record still in use).
    case conflict(FieldErrors)
}

extension StoreError {
    /// Checks the `version` of a row locked for a write against the client's `If-Match`: no row is
    /// `notFound`, another version is `versionMismatch`. Returns the version.
    @discardableResult
    static func requireVersion(of row: PostgresRow?, matching ifVersion: Int?) throws -> Int {
        guard let current = try row?.decode(Int.self, "version") else { throw StoreError.notFound }
        if let ifVersion, ifVersion != current { throw StoreError.versionMismatch(current: current) }
        return current
    }
}

/// A page of a list, and the cursor of the next page when there is one.
public struct Page<Item: Sendable>: Sendable {
    /// The items, in the list's order.
    public var items: [Item]
    /// Where the next page starts; nil on the last page.
    public var nextCursor: String?

    /// A page of `items`, followed by `nextCursor` (nil: the last page).
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// An opaque position in a list ordered by a key: the key's values, as base64url JSON. A cursor
/// holds the key of the last item seen, so rows inserted meanwhile neither repeat nor skip items.
public struct PageCursor: Sendable, Hashable {
    /// The sort key's values of the last item on the previous page.
    public var values: [String]

    /// A cursor after the item with these key values.
    public init(values: [String]) { self.values = values }

    /// Parses a cursor a client sent back; nil when it is not one of ours.
    public init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let values = try? JSONDecoder().decode([String].self, from: data), !values.isEmpty else { return nil }
        self.values = values
    }

    /// The opaque text.
    public var encoded: String {
        let data = (try? JSONEncoder().encode(values)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A list request: where to start and how many.
public struct PageRequest: Sendable {
    /// Start after this cursor; nil is the first page.
    public var after: PageCursor?
    /// At most this many items.
    public var limit: Int

    /// The default and largest page sizes.
    public static let defaultLimit = 50
    /// The largest page a client may ask for.
    public static let maxLimit = 200

    /// A request for `limit` items after `after`.
    public init(after: PageCursor? = nil, limit: Int = PageRequest.defaultLimit) {
        self.after = after
        self.limit = limit
    }
}
