import Foundation

/// What a request may see: one förbund, and within it possibly one employer. Every store query
/// takes a scope, so no query reads across förbund by accident.
public struct AccessScope: Sendable, Hashable {
    /// The förbund.
    public var forbundID: UUID
    /// When set, only this employer and its offers are visible.
    public var employerID: UUID?

    /// A scope over a förbund, or one of its employers.
    public init(forbundID: UUID, employerID: UUID? = nil) {
        self.forbundID = forbundID
        self.employerID = employerID
    }
}
