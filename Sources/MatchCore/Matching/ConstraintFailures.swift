/// A set of failed constraints as bits, so checking a pair allocates nothing; `list` gives them
/// in the order of `ConstraintFailure.allCases`.
public struct ConstraintFailures: OptionSet, Sendable, Hashable {
    /// One bit per `ConstraintFailure`, in case order.
    public var rawValue: UInt16

    /// A set from its bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The set holding one failure.
    @inline(__always)
    public init(_ failure: ConstraintFailure) {
        self.init(rawValue: 1 << failure.position)
    }

    /// The failures, in case order.
    public var list: [ConstraintFailure] {
        ConstraintFailure.allCases.enumerated().compactMap { rawValue & (1 << UInt16($0)) != 0 ? $1 : nil }
    }

    /// How many constraints failed.
    public var count: Int { rawValue.nonzeroBitCount }
}

extension ConstraintFailure {
    /// The failure's place in `allCases`, by a switch rather than a lookup: this runs for every pair.
    var position: UInt16 {
        switch self {
        case .noConsent: 0
        case .notSeeking: 1
        case .offerNotOpen: 2
        case .noPositionsLeft: 3
        case .hours: 4
        case .commute: 5
        case .language: 6
        case .adaptation: 7
        case .handledare: 8
        case .startDate: 9
        case .support: 10
        case .excluded: 11
        }
    }
}
