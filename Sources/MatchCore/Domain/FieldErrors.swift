/// Input that breaks a rule, field by field: what the HTTP API returns as problem+json and
/// matchctl prints. Nothing is stored when a request has any.
public struct FieldErrors: Error, Sendable, CustomStringConvertible {
    /// One broken rule.
    public struct Entry: Sendable, Codable, Hashable {
        /// A JSON pointer to the field (`/email`).
        public var pointer: String
        /// The rule's name (`format`, `required`, `unique`).
        public var rule: String
        /// A sentence for the user.
        public var message: String
    }

    /// Every broken rule.
    public var entries: [Entry]

    /// No errors yet.
    public init() { entries = [] }

    /// Adds a broken rule.
    public mutating func add(_ pointer: String, rule: String, _ message: String) {
        entries.append(Entry(pointer: pointer, rule: rule, message: message))
    }

    /// Throws when any rule is broken.
    public func throwIfAny() throws {
        if !entries.isEmpty { throw self }
    }

    public var description: String {
        entries.map { "\($0.pointer): \($0.message) (\($0.rule))" }.joined(separator: "; ")
    }
}
