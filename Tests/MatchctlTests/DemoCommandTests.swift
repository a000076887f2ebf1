import Foundation
import Testing
@testable import MatchCore

/// `matchctl demo` as a new user runs it: a development cluster of its own, the small data set,
/// matching to the end, a summary; and again from scratch with the same seed.
@Suite("matchctl demo")
struct DemoCommandTests {
    /// The summary's count lines (`employers: 10`, …), in order.
    static func counts(_ output: String) -> [String] {
        let keys = DemoSummary().countLines.map { String($0.prefix { $0 != ":" }) }
        return output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { line in keys.contains { line.hasPrefix($0 + ":") } }
    }

    static func value(_ key: String, in lines: [String]) -> Int? {
        lines.first { $0.hasPrefix(key + ":") }.flatMap { Int($0.dropFirst(key.count + 1).split(separator: " ").first ?? "") }
    }

    @Test func theSmallDemoMatchesToTheEndAndTheSameSeedGivesTheSameCounts() async throws {
        let folder = "/tmp/lotsen-test/demo-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["LOTSEN_DEV_DIR": folder]
        defer { _ = try? Binaries.run("matchctl", ["dev", "--stop"], environment: environment) }

        let (status, output) = try await Binaries.runOffPool("matchctl", ["demo", "--demo-size", "small", "--exit-when-done"], environment: environment)
        #expect(status == 0, "\(output)")
        let first = Self.counts(output)
        #expect(first.count == DemoSummary().countLines.count, "\(output)")
        #expect(Self.value("employers", in: first) == 10)
        #expect(Self.value("offers", in: first) == 30)
        #expect(Self.value("participants", in: first) == 100)
        let matchable = try #require(Self.value("seeking and consenting", in: first))
        let with = try #require(Self.value("participants with suggestions", in: first))
        let without = try #require(Self.value("participants without a suggestion", in: first))
        // Nobody who could be matched is left out: each matchable participant has suggestions or a reason.
        #expect(with + without == matchable, "\(output)")
        #expect(with > matchable / 2)
        #expect((Self.value("recommended by the assignment", in: first) ?? 0) > 0)
        #expect(output.contains("One suggestion ("), "\(output)")
        #expect(output.contains("export COORDINATOR=lotsen_") && output.contains("export EMPLOYER=lotsen_"))
        #expect(output.contains("/v1/suggestions?recommended=true"))

        // The same again: the data set is found, not loaded twice.
        let (again, reused) = try await Binaries.runOffPool("matchctl", ["demo", "--demo-size", "small", "--exit-when-done"], environment: environment)
        #expect(again == 0, "\(reused)")
        #expect(reused.contains("loaded already"))
        #expect(Self.counts(reused) == first)

        // From an empty database with the same seed: the same counts.
        let (reset, second) = try await Binaries.runOffPool("matchctl", ["demo", "--reset", "--demo-size", "small", "--exit-when-done"],
                                               environment: environment)
        #expect(reset == 0, "\(second)")
        #expect(Self.counts(second) == first, "\(second)")
    }
}
