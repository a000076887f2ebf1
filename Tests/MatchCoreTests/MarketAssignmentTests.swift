import Testing
@testable import MatchCore

@Suite("Market-wide assignment")
struct MarketAssignmentTests {
    /// The best total by trying every assignment.
    static func bruteForce(_ participants: Int, _ capacities: [Int], _ edges: [MarketAssignment.Edge]) -> Int {
        var best = 0
        var used = capacities.map { _ in 0 }
        func visit(_ p: Int, _ total: Int) {
            if p == participants {
                best = max(best, total)
                return
            }
            visit(p + 1, total)
            for edge in edges where edge.participant == p && used[edge.offer] < capacities[edge.offer] {
                used[edge.offer] += 1
                visit(p + 1, total + edge.weight)
                used[edge.offer] -= 1
            }
        }
        visit(0, 0)
        return best
    }

    @Test func theAssignmentIsOptimalAndFeasibleOnRandomSmallMarkets() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            let participants = Int.random(in: 1...7, using: &generator)
            let capacities = (0..<Int.random(in: 1...4, using: &generator)).map { _ in Int.random(in: 0...2, using: &generator) }
            var edges: [MarketAssignment.Edge] = []
            for p in 0..<participants {
                for o in capacities.indices where Bool.random(using: &generator) {
                    edges.append(.init(participant: p, offer: o, weight: Int.random(in: 0...1_000, using: &generator)))
                }
            }
            let chosen = MarketAssignment.solve(participants: participants, capacities: capacities, edges: edges).map { edges[$0] }
            #expect(chosen.map(\.weight).reduce(0, +) == Self.bruteForce(participants, capacities, edges))
            #expect(Set(chosen.map(\.participant)).count == chosen.count, "a participant gets at most one offer")
            for (offer, capacity) in capacities.enumerated() {
                #expect(chosen.filter { $0.offer == offer }.count <= capacity, "an offer gets at most its positions")
            }
        }
    }

    @Test func aScarceOfferGoesWhereItAddsMostAndTheResultIsDeterministic() {
        // Both want offer 0 (one position); participant 1 has a good second choice, so 0 gets offer 0.
        let edges: [MarketAssignment.Edge] = [
            .init(participant: 0, offer: 0, weight: 900), .init(participant: 1, offer: 0, weight: 950),
            .init(participant: 1, offer: 1, weight: 800),
        ]
        let chosen = MarketAssignment.solve(participants: 2, capacities: [1, 1], edges: edges)
        #expect(chosen.sorted() == [0, 2])
        #expect(MarketAssignment.solve(participants: 2, capacities: [1, 1], edges: edges) == chosen)
    }
}
