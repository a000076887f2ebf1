/// Adaptations as bits, so "every need is offered" is one AND.
struct AdaptationSet: Sendable, Hashable {
    var rawValue: UInt32 = 0

    init<S: Sequence<Adaptation>>(_ adaptations: S) {
        for adaptation in adaptations { rawValue |= 1 << Self.position[adaptation]! }
    }

    private static let position: [Adaptation: UInt32] =
        Dictionary(uniqueKeysWithValues: Adaptation.allCases.enumerated().map { ($1, UInt32($0)) })

    func contains(_ adaptation: Adaptation) -> Bool { rawValue & (1 << Self.position[adaptation]!) != 0 }
    func isSubset(of other: AdaptationSet) -> Bool { rawValue & ~other.rawValue == 0 }
    /// How many of these `other` lacks.
    func countNot(in other: AdaptationSet) -> Int { (rawValue & ~other.rawValue).nonzeroBitCount }
}
