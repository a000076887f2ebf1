/// A support's eligibility rule as data: conditions over facts about the participant, the offer
/// and its employer, combined with all/any/not. The grammar (JSON, in the catalog file):
///
///     condition := { "all": [condition, …] }
///                | { "any": [condition, …] }
///                | { "not": condition }
///                | { "fact": FACT, "op": OP, "value": VALUE }
///     OP        := "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not_in"
///
/// `in` and `not_in` take an array. Facts are listed in `SupportFact`; comparing a number fact
/// with text (or the reverse) is an error when the catalog is loaded, not when it is used.
public indirect enum SupportCondition: Sendable, Hashable {
    /// Every condition holds.
    case all([SupportCondition])
    /// At least one holds.
    case any([SupportCondition])
    /// The condition does not hold.
    case not(SupportCondition)
    /// A fact compared with a value.
    case compare(SupportFact, SupportOperator, SupportValue)
}

/// A comparison.
public enum SupportOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case isIn = "in", notIn = "not_in"
}

/// A value in a rule.
public enum SupportValue: Sendable, Hashable, CustomStringConvertible {
    /// A whole number.
    case number(Int)
    /// True or false.
    case bool(Bool)
    /// Text (a placement type, a sector).
    case text(String)
    /// A list, for `in` and `not_in`.
    case list([SupportValue])

    public var description: String {
        switch self {
        case .number(let value): String(value)
        case .bool(let value): String(value)
        case .text(let value): "\"\(value)\""
        case .list(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

/// The facts a rule can read, and their kinds.
public enum SupportFact: String, Sendable, Hashable, CaseIterable {
    /// The age the participant reaches in the placement's start year.
    case ageAtStart = "participant.age_at_start"
    /// Months without work in the last 9.
    case monthsAwayLast9 = "participant.months_away_last_9"
    /// Months without work in the last 15.
    case monthsAwayLast15 = "participant.months_away_last_15"
    /// Whether registered at Arbetsförmedlingen.
    case registeredAtAF = "participant.registered_at_af"
    /// Whole months registered at Arbetsförmedlingen when the placement starts.
    case monthsRegisteredAtAF = "participant.months_registered_at_af"
    /// In the jobb- och utvecklingsgarantin.
    case inJobGuarantee = "participant.in_job_guarantee"
    /// A disability that reduces work capacity.
    case disabilityReducedCapacity = "participant.disability_reduced_capacity"
    /// Assessed work capacity in percent.
    case assessedCapacityPercent = "participant.assessed_capacity_percent"
    /// Whole years since arrival (residence permit) when the placement starts; unknown if not a new arrival.
    case yearsSinceArrival = "participant.years_since_arrival"
    /// Särskilt högriskskydd granted.
    case hogriskskydd = "participant.hogriskskydd"
    /// The placement type (`nystartsjobb`, `lonestod`, …).
    case offerType = "offer.type"
    /// The offer's monthly wage in kronor.
    case offerMonthlyWage = "offer.monthly_wage"
    /// The offer's most hours a week.
    case offerHoursMax = "offer.hours_max"
    /// The employer's sector (`private`, `public`, `social_enterprise`, `non_profit`).
    case employerSector = "employer.sector"

    /// What kind of value it holds.
    public enum Kind: Sendable { case number, bool, text }

    /// Its kind.
    public var kind: Kind {
        switch self {
        case .registeredAtAF, .inJobGuarantee, .disabilityReducedCapacity, .hogriskskydd: .bool
        case .offerType, .employerSector: .text
        default: .number
        }
    }
}

/// How a support's monthly amount to the employer is estimated.
public enum SupportAmount: Sendable, Hashable {
    /// No money (a support person, advice).
    case none
    /// A share of the wage, on wages up to a full-time ceiling (scaled by the offer's hours).
    case percentOfWage(percent: Double, fullTimeWageCeiling: Int?)
    /// The share of the wage the participant's reduced capacity stands for (100 − capacity %),
    /// on wages up to a full-time ceiling.
    case capacityShare(fullTimeWageCeiling: Int?)
    /// A fixed amount a month.
    case fixedMonthly(Int)
    /// Up to an amount a year, by application (aids, a personal assistant).
    case yearlyMaximum(Int)
}

/// How long a support can last: the first matching step, else the default.
public struct SupportDuration: Sendable, Hashable {
    /// Conditions and the months they give.
    public var steps: [(when: SupportCondition, months: Int)]
    /// Months when no step matches; nil is "decided case by case".
    public var otherwiseMonths: Int?

    public static func == (lhs: SupportDuration, rhs: SupportDuration) -> Bool {
        lhs.otherwiseMonths == rhs.otherwiseMonths && lhs.steps.count == rhs.steps.count
            && zip(lhs.steps, rhs.steps).allSatisfy { $0.when == $1.when && $0.months == $1.months }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(otherwiseMonths)
        for step in steps {
            hasher.combine(step.when)
            hasher.combine(step.months)
        }
    }
}

/// One version of a financial support, as the catalog defines it.
public struct SupportDefinition: Sendable, Hashable {
    /// Its code (`nystartsjobb`), what offers name in `supports_counted_on`.
    public var code: String
    /// The Swedish name.
    public var nameSv: String
    /// The English name.
    public var nameEn: String
    /// The agency that pays or gives it.
    public var agency: String
    /// Who receives it (`employer`, `employee`, `support_person`).
    public var recipient: String
    /// The first day this version applies.
    public var validFrom: CalendarDate
    /// The last day, if it ends.
    public var validTo: CalendarDate?
    /// Where the rule is published.
    public var source: String
    /// Who is eligible.
    public var rule: SupportCondition
    /// What the employer gets.
    public var amount: SupportAmount
    /// For how long.
    public var duration: SupportDuration
    /// Notes for coordinators.
    public var notes: String
}
