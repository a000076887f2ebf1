import Foundation

/// A UUID as two integers that order like its `uuidString`, so ranking ties break by id
/// without building strings in the comparator.
struct IDOrder: Comparable, Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    init(_ id: UUID) {
        let b = id.uuid
        high = [b.0, b.1, b.2, b.3, b.4, b.5, b.6, b.7].reduce(0) { $0 << 8 | UInt64($1) }
        low = [b.8, b.9, b.10, b.11, b.12, b.13, b.14, b.15].reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func < (a: IDOrder, b: IDOrder) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
