import Foundation
import Testing
@testable import MatchCore

@Suite("Market-wide assignment against an independent solver")
struct MarketAssignmentReferenceTests {
    /// scipy's linear_sum_assignment (`Tests/Scripts/assignment_reference.py`), run by the Python
    /// that `.ci/run` prepares in a cached venv (`LOTSEN_PYTHON`).
    @Test(.needs(.scipyPython)) func aThousandsStrongMarketReachesScipysOptimum() throws {
        let python = try OutsideTool.scipyPython.require()
        var generator = SeededGenerator(seed: 2026)
        let participants = 2_000
        let capacities = (0..<600).map { _ in Int.random(in: 1...3, using: &generator) }
        var edges: [MarketAssignment.Edge] = []
        for p in 0..<participants {
            // Offers cluster as places do: each person reaches a handful of nearby offers.
            let centre = Int.random(in: 0..<capacities.count, using: &generator)
            for o in Set((0..<8).map { _ in (centre + Int.random(in: -10...10, using: &generator) + capacities.count) % capacities.count }) {
                edges.append(.init(participant: p, offer: o, weight: Int.random(in: 0...1_000_000, using: &generator)))
            }
        }
        let chosen = MarketAssignment.solve(participants: participants, capacities: capacities, edges: edges)
        let total = chosen.map { edges[$0].weight }.reduce(0, +)

        let instance: [String: Any] = ["participants": participants, "capacities": capacities,
                                       "edges": edges.map { [$0.participant, $0.offer, $0.weight] }]
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("assignment-\(getpid()).json")
        try JSONSerialization.data(withJSONObject: instance).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Scripts/assignment_reference.py").standardizedFileURL.path
        let output = try ProcessRunner.run("/bin/sh", ["-c", "\"$0\" \"$1\" < \"$2\"", python, script, input.path], asServerUser: false)
        #expect(Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) == total)
    }
}
