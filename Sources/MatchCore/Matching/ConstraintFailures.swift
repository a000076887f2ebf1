/// A set of failed constraints as bits, so checking a pair allocates nothing; `list` gives them
/// in the order of `ConstraintFailure.allCases`.
public struct ConstraintFailures: OptionSet, Sendable, Hashable {
    /// One bit per `ConstraintFailure`, in case order.
    public var rawValue: UInt16

    /// A set from its bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The set holding one failure.
    public init(_ failure: ConstraintFailure) {
        self.init(rawValue: 1 << UInt16(Self.position[failure]!))
    }

    private static let position: [ConstraintFailure: Int] =
        Dictionary(uniqueKeysWithValues: ConstraintFailure.allCases.enumerated().map { ($1, $0) })

    /// The failures, in case order.
    public var list: [ConstraintFailure] {
        ConstraintFailure.allCases.enumerated().compactMap { rawValue & (1 << UInt16($0)) != 0 ? $1 : nil }
    }

    /// How many constraints failed.
    public var count: Int { rawValue.nonzeroBitCount }
}
