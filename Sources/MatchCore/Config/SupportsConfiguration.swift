/// `[supports]`: how support amounts are estimated.
public struct SupportsConfiguration: Sendable {
    /// The monthly wage assumed for an estimate when an offer states none.
    public var defaultMonthlyWage: Int

    init(reader: ConfigurationReader) throws {
        defaultMonthlyWage = try reader.int("supports", "default_monthly_wage", default: 25_000, range: 1...200_000)
    }

    /// The evaluator these settings describe.
    public var evaluator: SupportEvaluator { SupportEvaluator(defaultMonthlyWage: defaultMonthlyWage) }
}
