/// Decides, for a participant, an offer and a start date, which supports apply, what the
/// employer would receive a month, for how long, and for each support that does not apply the
/// condition that fails. Pure: no database, no clock.
public struct SupportEvaluator: Sendable {
    /// The wage assumed when the offer states none (for an estimate only).
    public var defaultMonthlyWage: Int

    /// An evaluator assuming `defaultMonthlyWage` when an offer has no wage.
    public init(defaultMonthlyWage: Int = 25_000) { self.defaultMonthlyWage = defaultMonthlyWage }

    /// What the rule reads about the pair.
    public struct Situation: Sendable, Hashable {
        /// The participant's facts.
        public var facts: SupportFacts
        /// The placement type.
        public var offerType: PlacementType
        /// The monthly wage, if paid.
        public var monthlyWage: Int?
        /// Most hours a week.
        public var hoursMax: Int
        /// The employer's sector.
        public var employerSector: EmployerSector
        /// The placement's first day.
        public var startDate: CalendarDate

        /// A situation.
        public init(facts: SupportFacts, offerType: PlacementType, monthlyWage: Int?, hoursMax: Int,
                    employerSector: EmployerSector, startDate: CalendarDate) {
            self.facts = facts
            self.offerType = offerType
            self.monthlyWage = monthlyWage
            self.hoursMax = hoursMax
            self.employerSector = employerSector
            self.startDate = startDate
        }
    }

    /// A condition that did not hold.
    public struct Failure: Sendable, Hashable, Codable {
        /// Where in the rule (`rule.any[1].all[1]`).
        public var path: String
        /// The condition, as written (`participant.months_away_last_15 >= 12`).
        public var condition: String
        /// The fact's value; nil when it is not recorded.
        public var actual: String?
        /// A sentence for the coordinator.
        public var message: String

        enum CodingKeys: String, CodingKey { case path, condition, actual, message }

        /// Encodes every field, an unrecorded fact as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encode(condition, forKey: .condition)
            try c.encode(actual, forKey: .actual)
            try c.encode(message, forKey: .message)
        }
    }

    /// The verdict on one support.
    public struct Verdict: Sendable, Hashable, Codable {
        /// The support's code.
        public var code: String
        /// Its version's first day (the version used).
        public var versionValidFrom: CalendarDate
        /// Its Swedish name.
        public var nameSv: String
        /// Its English name.
        public var nameEn: String
        /// Whether the pair is eligible.
        public var applies: Bool
        /// The estimated amount a month to the recipient, where the rule gives one.
        public var estimatedMonthlyAmount: Int?
        /// The most a year, for supports paid by application up to a ceiling.
        public var yearlyMaximum: Int?
        /// Whether the estimate used the default wage because the offer states none.
        public var usedDefaultWage: Bool
        /// The longest it can last, in months; nil is "decided case by case".
        public var maxDurationMonths: Int?
        /// Why it does not apply (empty when it does).
        public var failures: [Failure]
        /// Where the rule is published.
        public var source: String

        enum CodingKeys: String, CodingKey {
            case code, versionValidFrom = "version_valid_from", nameSv = "name_sv", nameEn = "name_en", applies
            case estimatedMonthlyAmount = "estimated_monthly_amount", yearlyMaximum = "yearly_maximum"
            case usedDefaultWage = "used_default_wage", maxDurationMonths = "max_duration_months", failures, source
        }

        /// Encodes every field, an absent amount or duration as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code)
            try c.encode(versionValidFrom, forKey: .versionValidFrom)
            try c.encode(nameSv, forKey: .nameSv)
            try c.encode(nameEn, forKey: .nameEn)
            try c.encode(applies, forKey: .applies)
            try c.encode(estimatedMonthlyAmount, forKey: .estimatedMonthlyAmount)
            try c.encode(yearlyMaximum, forKey: .yearlyMaximum)
            try c.encode(usedDefaultWage, forKey: .usedDefaultWage)
            try c.encode(maxDurationMonths, forKey: .maxDurationMonths)
            try c.encode(failures, forKey: .failures)
            try c.encode(source, forKey: .source)
        }
    }

    /// The facts by name, as the rules read them; nil where unknown.
    public static func facts(of situation: Situation) -> SituationFacts { SituationFacts(situation: situation) }

    /// The verdict of each support whose version is valid on the start date.
    public func evaluate(_ supports: [SupportDefinition], for situation: Situation) -> [Verdict] {
        let values = Self.facts(of: situation)
        return Self.versionsInForce(supports, on: situation.startDate).map { support in
            let outcome = Self.check(support.rule, values, "rule")
            let wage = situation.monthlyWage ?? defaultMonthlyWage
            var monthly: Int?
            var yearly: Int?
            switch support.amount {
            case .none:
                break
            case .percentOfWage(let percent, let ceiling):
                monthly = Int((Double(Self.cap(wage, ceiling, situation.hoursMax)) * percent / 100).rounded())
            case .capacityShare(let ceiling):
                if let capacity = situation.facts.assessedCapacityPercent {
                    monthly = Int((Double(Self.cap(wage, ceiling, situation.hoursMax)) * Double(100 - capacity) / 100).rounded())
                }
            case .fixedMonthly(let amount):
                monthly = amount
            case .yearlyMaximum(let amount):
                yearly = amount
            }
            let months = support.duration.steps.first { Self.check($0.when, values, "").passed }?.months
                ?? support.duration.otherwiseMonths
            return Verdict(code: support.code, versionValidFrom: support.validFrom, nameSv: support.nameSv, nameEn: support.nameEn,
                           applies: outcome.passed, estimatedMonthlyAmount: outcome.passed ? monthly : nil,
                           yearlyMaximum: outcome.passed ? yearly : nil,
                           usedDefaultWage: outcome.passed && monthly != nil && situation.monthlyWage == nil,
                           maxDurationMonths: outcome.passed ? months : nil, failures: outcome.passed ? [] : outcome.failures,
                           source: support.source)
        }
    }

    /// The codes of the supports whose version in force applies: the constraint check's question,
    /// answered without the verdicts' amounts and explanations.
    public func applyingCodes(_ supports: [SupportDefinition], for situation: Situation) -> Set<String> {
        let values = Self.facts(of: situation)
        return Set(Self.indicesInForce(supports, on: situation.startDate).lazy
            .filter { Self.holds(supports[$0].rule, values) }.map { supports[$0].code })
    }

    /// Whether a condition holds: `check(...).passed`, short-circuited and without building an explanation.
    static func holds(_ condition: SupportCondition, _ values: SituationFacts) -> Bool {
        switch condition {
        case .all(let children): children.allSatisfy { holds($0, values) }
        case .any(let children): children.contains { holds($0, values) }
        case .not(let inner): !holds(inner, values)
        case .compare(let fact, let op, let operand): values[fact].map { compare($0, op, operand) } ?? false
        }
    }

    /// Of each support code, the version valid on `date`.
    public static func versionsInForce(_ supports: [SupportDefinition], on date: CalendarDate) -> [SupportDefinition] {
        indicesInForce(supports, on: date).map { supports[$0] }
    }

    /// The same as positions in `supports`, found without copying a definition: this runs for
    /// every pair whose offer stands on a support. Of two versions from the same day the first wins.
    static func indicesInForce(_ supports: [SupportDefinition], on date: CalendarDate) -> [Int] {
        var chosen: [Int] = []
        for i in supports.indices where supports[i].validFrom <= date && (supports[i].validTo.map { $0 >= date } ?? true) {
            if let known = chosen.firstIndex(where: { supports[$0].code == supports[i].code }) {
                if supports[chosen[known]].validFrom < supports[i].validFrom { chosen[known] = i }
            } else {
                chosen.append(i)
            }
        }
        return chosen.sorted { supports[$0].code < supports[$1].code }
    }

    /// A wage capped at a full-time ceiling scaled to the offer's hours.
    static func cap(_ wage: Int, _ fullTimeCeiling: Int?, _ hours: Int) -> Int {
        guard let fullTimeCeiling else { return wage }
        return min(wage, fullTimeCeiling * min(hours, 40) / 40)
    }

    struct Outcome {
        var passed: Bool
        var failures: [Failure]
        /// Leaves that held: in an `any` that fails, the branch that came closest explains it.
        var heldLeaves: Int
    }

    static func check(_ condition: SupportCondition, _ values: SituationFacts, _ path: String) -> Outcome {
        switch condition {
        case .all(let children):
            let outcomes = children.enumerated().map { check($1, values, "\(path).all[\($0)]") }
            return Outcome(passed: outcomes.allSatisfy(\.passed), failures: outcomes.flatMap(\.failures),
                           heldLeaves: outcomes.map(\.heldLeaves).reduce(0, +))
        case .any(let children):
            let outcomes = children.enumerated().map { check($1, values, "\(path).any[\($0)]") }
            if let passing = outcomes.first(where: \.passed) { return passing }
            // Which branch explains the failure: by convention the first condition of an `all`
            // says whom the branch is for ("age under 25"), so a branch whose first condition
            // holds comes first; then the branch with the most conditions that held.
            let ranked = zip(children, outcomes).enumerated().map { index, pair in
                (leadHeld: leadHolds(pair.0, values), held: pair.1.heldLeaves, index: index, outcome: pair.1)
            }
            let nearest = ranked.max { lhs, rhs in
                (lhs.leadHeld ? 1 : 0, lhs.held, -lhs.index) < (rhs.leadHeld ? 1 : 0, rhs.held, -rhs.index)
            }!.outcome
            return Outcome(passed: false, failures: nearest.failures, heldLeaves: nearest.heldLeaves)
        case .not(let inner):
            let outcome = check(inner, values, "\(path).not")
            guard outcome.passed else { return Outcome(passed: true, failures: [], heldLeaves: 1) }
            return Outcome(passed: false, failures: [Failure(path: "\(path).not", condition: "not (\(describe(inner)))", actual: nil,
                                                             message: "must not hold: \(describe(inner))")], heldLeaves: 0)
        case .compare(let fact, let op, let operand):
            let text = "\(fact.rawValue) \(op.rawValue) \(operand)"
            guard let actual = values[fact] else {
                return Outcome(passed: false, failures: [Failure(path: path, condition: text, actual: nil,
                                                                 message: "\(fact.rawValue) is not recorded; the rule needs \(text)")],
                               heldLeaves: 0)
            }
            if compare(actual, op, operand) { return Outcome(passed: true, failures: [], heldLeaves: 1) }
            return Outcome(passed: false, failures: [Failure(path: path, condition: text, actual: actual.description,
                                                             message: "\(fact.rawValue) is \(actual), the rule needs \(text)")],
                           heldLeaves: 0)
        }
    }

    static func leadHolds(_ condition: SupportCondition, _ values: SituationFacts) -> Bool {
        guard case .all(let children) = condition, let first = children.first else { return false }
        return check(first, values, "").passed
    }

    static func compare(_ actual: SupportValue, _ op: SupportOperator, _ operand: SupportValue) -> Bool {
        switch op {
        case .equal: return actual == operand
        case .notEqual: return actual != operand
        case .isIn, .notIn:
            guard case .list(let values) = operand else { return false }
            return values.contains(actual) == (op == .isIn)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard case .number(let a) = actual, case .number(let b) = operand else { return false }
            switch op {
            case .less: return a < b
            case .lessOrEqual: return a <= b
            case .greater: return a > b
            default: return a >= b
            }
        }
    }

    static func describe(_ condition: SupportCondition) -> String {
        switch condition {
        case .all(let children): children.map(describe).joined(separator: " and ")
        case .any(let children): "(" + children.map(describe).joined(separator: " or ") + ")"
        case .not(let inner): "not (\(describe(inner)))"
        case .compare(let fact, let op, let value): "\(fact.rawValue) \(op.rawValue) \(value)"
        }
    }
}

extension CalendarDate {
    /// Whole calendar months from this date until `later` (negative when `later` is earlier).
    func wholeMonths(until later: CalendarDate) -> Int {
        var months = (later.year - year) * 12 + (later.month - month)
        if later.day < day { months -= 1 }
        return months
    }
}

/// The facts of a situation by name, as the rules read them; nil where unknown. Each is worked
/// out when a rule asks for it, so checking a rule builds no table.
public struct SituationFacts: Sendable {
    /// The situation.
    public let situation: Situation

    /// The situation type.
    public typealias Situation = SupportEvaluator.Situation

    /// The value of `fact`, nil when it is not recorded.
    public subscript(_ fact: SupportFact) -> SupportValue? {
        let facts = situation.facts
        let start = situation.startDate
        switch fact {
        case .offerType: return .text(situation.offerType.rawValue)
        case .offerHoursMax: return .number(situation.hoursMax)
        case .employerSector: return .text(situation.employerSector.rawValue)
        case .offerMonthlyWage: return situation.monthlyWage.map(SupportValue.number)
        case .ageAtStart: return facts.birthYear.map { .number(start.year - $0) }
        case .monthsAwayLast9: return facts.monthsAwayLast9.map(SupportValue.number)
        case .monthsAwayLast15: return facts.monthsAwayLast15.map(SupportValue.number)
        case .registeredAtAF: return .bool(facts.registeredAtAFSince.map { $0 <= start } ?? false)
        case .monthsRegisteredAtAF: return facts.registeredAtAFSince.map { .number(max(0, $0.wholeMonths(until: start))) }
        case .inJobGuarantee: return facts.inJobGuarantee.map(SupportValue.bool)
        case .disabilityReducedCapacity: return facts.disabilityReducedCapacity.map(SupportValue.bool)
        case .assessedCapacityPercent: return facts.assessedCapacityPercent.map(SupportValue.number)
        case .yearsSinceArrival: return facts.newArrivalSince.map { .number(max(0, $0.wholeMonths(until: start) / 12)) }
        case .hogriskskydd: return facts.hogriskskydd.map(SupportValue.bool)
        }
    }
}
