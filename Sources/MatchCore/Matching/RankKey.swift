import Foundation

/// Where a pair stands in a top list: a higher score first, ties by the other side's id (the
/// order `PairMatcher.best` keeps and PostgreSQL's `ORDER BY score DESC, id` gives, since uuids
/// compare bytewise in both). `a < b` reads "a ranks before b".
struct RankKey: Comparable, Hashable, Sendable {
    /// The pair's score.
    var score: Double
    /// The other side's id as it orders.
    var order: IDOrder

    init(score: Double, id: UUID) {
        self.score = score
        self.order = IDOrder(id)
    }

    init(score: Double, order: IDOrder) {
        self.score = score
        self.order = order
    }

    static func < (a: RankKey, b: RankKey) -> Bool {
        a.score != b.score ? a.score > b.score : a.order < b.order
    }

    /// Whether a pair with this key belongs to a top list whose other members' `k`-th best is
    /// `kth` (nil when the others are fewer than k, so any passing pair belongs).
    func makesTop(against kth: RankKey?) -> Bool {
        kth.map { self < $0 } ?? true
    }
}
