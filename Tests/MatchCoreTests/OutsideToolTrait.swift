import Testing
@testable import MatchCore

extension Trait where Self == ConditionTrait {
    /// Runs the test when `tool` is there, or under `CI=true` (where its absence fails the test);
    /// otherwise skips it, saying which tool is missing and how to provide it.
    static func needs(_ tool: OutsideTool) -> Self {
        .enabled(if: tool.shouldRun, Comment(rawValue: tool.description))
    }
}
