import Foundation

/// Reads a support catalog file (JSON: `{"supports": [definition, …]}`) and checks all of it:
/// every unknown key, fact or operator, every malformed condition and every wrong type is
/// reported with its place (`supports[2].rule.all[1].op`), and one problem refuses the file.
public struct SupportCatalogParser {
    /// One problem and where it is.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// Where, as a path into the file.
        public var path: String
        /// What is wrong.
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Every problem of a refused file.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The problems.
        public var problems: [Problem]
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    /// A parsed support and its definition as canonical JSON (sorted keys), as stored.
    public struct Entry: Sendable {
        /// The definition.
        public var definition: SupportDefinition
        /// Its JSON.
        public var json: String
    }

    private var problems: [Problem] = []

    /// Parses a whole catalog file.
    public static func parseCatalog(_ data: Data) throws(Failure) -> [Entry] {
        var parser = SupportCatalogParser()
        guard let root = try? JSONSerialization.jsonObject(with: data) else {
            throw Failure(problems: [Problem(path: "$", message: "is not valid JSON")])
        }
        guard let object = root as? [String: Any], let supports = object["supports"] as? [Any] else {
            throw Failure(problems: [Problem(path: "$", message: "must be an object with a \"supports\" array")])
        }
        parser.unknownKeys(object, allowed: ["supports", "description"], "$")
        var entries: [Entry] = []
        var seen: [String: Int] = [:]
        for (index, item) in supports.enumerated() {
            let path = "supports[\(index)]"
            guard let definition = parser.definition(item, path) else { continue }
            let key = "\(definition.code)@\(definition.validFrom)"
            if let first = seen[key] {
                parser.problem(path, "repeats supports[\(first)] (same code and valid_from)")
            }
            seen[key] = index
            let json = (try? JSONSerialization.data(withJSONObject: item, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
            entries.append(Entry(definition: definition, json: json ?? "{}"))
        }
        if !parser.problems.isEmpty { throw Failure(problems: parser.problems) }
        return entries
    }

    /// Parses one stored definition.
    public static func parseDefinition(_ json: String) throws(Failure) -> SupportDefinition {
        var parser = SupportCatalogParser()
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)), let definition = parser.definition(object, "$"),
              parser.problems.isEmpty else {
            throw Failure(problems: parser.problems.isEmpty ? [Problem(path: "$", message: "is not valid JSON")] : parser.problems)
        }
        return definition
    }

    /// JSON's true and false arrive as NSNumber too; their Objective-C type is `c` (char).
    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    mutating func problem(_ path: String, _ message: String) {
        problems.append(Problem(path: path, message: message))
    }

    mutating func unknownKeys(_ object: [String: Any], allowed: Set<String>, _ path: String) {
        for key in object.keys.sorted() where !allowed.contains(key) {
            problem("\(path).\(key)", "is not a known key (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    mutating func text(_ object: [String: Any], _ key: String, _ path: String, required: Bool = true) -> String? {
        guard let value = object[key], !(value is NSNull) else {
            if required { problem("\(path).\(key)", "is required") }
            return nil
        }
        guard let text = value as? String, !text.isEmpty else {
            problem("\(path).\(key)", "must be a non-empty string")
            return nil
        }
        return text
    }

    mutating func date(_ object: [String: Any], _ key: String, _ path: String, required: Bool) -> CalendarDate? {
        guard let text = text(object, key, path, required: required) else { return nil }
        guard let date = CalendarDate(iso: text) else {
            problem("\(path).\(key)", "must be a date as YYYY-MM-DD")
            return nil
        }
        return date
    }

    mutating func definition(_ item: Any, _ path: String) -> SupportDefinition? {
        guard let object = item as? [String: Any] else {
            problem(path, "must be an object")
            return nil
        }
        unknownKeys(object, allowed: ["code", "name_sv", "name_en", "agency", "recipient", "valid_from", "valid_to", "source",
                                      "rule", "amount", "duration", "notes"], path)
        let code = text(object, "code", path)
        if let code, !code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) {
            problem("\(path).code", "must be lower-case letters, digits and _")
        }
        let nameSv = text(object, "name_sv", path)
        let nameEn = text(object, "name_en", path)
        let agency = text(object, "agency", path)
        let recipient = text(object, "recipient", path)
        if let recipient, !["employer", "employee", "support_person"].contains(recipient) {
            problem("\(path).recipient", "must be employer, employee or support_person")
        }
        let validFrom = date(object, "valid_from", path, required: true)
        let validTo = date(object, "valid_to", path, required: false)
        if let validFrom, let validTo, validTo < validFrom { problem("\(path).valid_to", "must not be before valid_from") }
        let source = text(object, "source", path)
        if let source, !(source.hasPrefix("https://") || source.hasPrefix("http://")) {
            problem("\(path).source", "must be the address (https://…) where the rule is published")
        }
        var rule: SupportCondition?
        if let value = object["rule"] { rule = condition(value, "\(path).rule") } else { problem("\(path).rule", "is required") }
        let amount = amount(object["amount"], "\(path).amount")
        let duration = duration(object["duration"], "\(path).duration")
        let notes = text(object, "notes", path, required: false) ?? ""
        guard let code, let nameSv, let nameEn, let agency, let recipient, let validFrom, let source, let rule, let amount,
              let duration else { return nil }
        return SupportDefinition(code: code, nameSv: nameSv, nameEn: nameEn, agency: agency, recipient: recipient,
                                 validFrom: validFrom, validTo: validTo, source: source, rule: rule, amount: amount,
                                 duration: duration, notes: notes)
    }

    mutating func condition(_ value: Any, _ path: String) -> SupportCondition? {
        guard let object = value as? [String: Any] else {
            problem(path, "must be an object: {\"all\": […]}, {\"any\": […]}, {\"not\": …} or {\"fact\", \"op\", \"value\"}")
            return nil
        }
        for combinator in ["all", "any"] {
            guard let children = object[combinator] else { continue }
            unknownKeys(object, allowed: [combinator], path)
            guard let list = children as? [Any], !list.isEmpty else {
                problem("\(path).\(combinator)", "must be a non-empty array of conditions")
                return nil
            }
            let parsed = list.enumerated().map { condition($1, "\(path).\(combinator)[\($0)]") }
            guard parsed.allSatisfy({ $0 != nil }) else { return nil }
            return combinator == "all" ? .all(parsed.map { $0! }) : .any(parsed.map { $0! })
        }
        if let inner = object["not"] {
            unknownKeys(object, allowed: ["not"], path)
            return condition(inner, "\(path).not").map { .not($0) }
        }
        unknownKeys(object, allowed: ["fact", "op", "value"], path)
        guard let factName = object["fact"] as? String else {
            problem("\(path).fact", "is required: one of \(SupportFact.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let fact = SupportFact(rawValue: factName) else {
            problem("\(path).fact", "\"\(factName)\" is not a known fact (known: \(SupportFact.allCases.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        guard let opName = object["op"] as? String, let op = SupportOperator(rawValue: opName) else {
            problem("\(path).op", "must be one of \(SupportOperator.allCases.map(\.rawValue).joined(separator: " "))")
            return nil
        }
        guard let raw = object["value"], let operand = self.value(raw, "\(path).value") else {
            if object["value"] == nil { problem("\(path).value", "is required") }
            return nil
        }
        guard check(fact, op, operand, path) else { return nil }
        return .compare(fact, op, operand)
    }

    mutating func value(_ raw: Any, _ path: String) -> SupportValue? {
        if let number = raw as? NSNumber {
            if Self.isBoolean(number) { return .bool(number.boolValue) }
            guard number.doubleValue == Double(number.intValue) else {
                problem(path, "must be a whole number")
                return nil
            }
            return .number(number.intValue)
        }
        if let text = raw as? String { return .text(text) }
        if let list = raw as? [Any] {
            let values = list.enumerated().map { value($1, "\(path)[\($0)]") }
            guard values.allSatisfy({ $0 != nil }) else { return nil }
            return .list(values.map { $0! })
        }
        problem(path, "must be a number, true/false, a string or an array")
        return nil
    }

    mutating func check(_ fact: SupportFact, _ op: SupportOperator, _ operand: SupportValue, _ path: String) -> Bool {
        func fits(_ value: SupportValue) -> Bool {
            switch (fact.kind, value) {
            case (.number, .number), (.bool, .bool), (.text, .text): true
            default: false
            }
        }
        let kindName = switch fact.kind { case .number: "a whole number"; case .bool: "true or false"; case .text: "a string" }
        switch op {
        case .isIn, .notIn:
            guard case .list(let values) = operand, !values.isEmpty, values.allSatisfy(fits) else {
                problem("\(path).value", "\(op.rawValue) needs a non-empty array of \(kindName)s for \(fact.rawValue)")
                return false
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard fact.kind == .number, fits(operand) else {
                problem(fact.kind == .number ? "\(path).value" : "\(path).op",
                        fact.kind == .number ? "must be a whole number" : "\(op.rawValue) compares numbers; \(fact.rawValue) is not one")
                return false
            }
        case .equal, .notEqual:
            guard fits(operand) else {
                problem("\(path).value", "must be \(kindName) for \(fact.rawValue)")
                return false
            }
        }
        return true
    }

    mutating func amount(_ raw: Any?, _ path: String) -> SupportAmount? {
        guard let object = raw as? [String: Any], let kind = object["kind"] as? String else {
            problem(path, "must be an object with a kind: none, percent_of_wage, capacity_share, fixed_monthly, yearly_maximum")
            return nil
        }
        func number(_ key: String, required: Bool) -> Double? {
            guard let value = object[key], !(value is NSNull) else {
                if required { problem("\(path).\(key)", "is required for \(kind)") }
                return nil
            }
            guard let number = value as? NSNumber, !Self.isBoolean(number), number.doubleValue > 0 else {
                problem("\(path).\(key)", "must be a positive number")
                return nil
            }
            return number.doubleValue
        }
        switch kind {
        case "none":
            unknownKeys(object, allowed: ["kind"], path)
            return SupportAmount.none
        case "percent_of_wage":
            unknownKeys(object, allowed: ["kind", "percent", "full_time_wage_ceiling"], path)
            guard let percent = number("percent", required: true) else { return nil }
            if percent > 100 { problem("\(path).percent", "must be at most 100") }
            return .percentOfWage(percent: percent, fullTimeWageCeiling: number("full_time_wage_ceiling", required: false).map { Int($0) })
        case "capacity_share":
            unknownKeys(object, allowed: ["kind", "full_time_wage_ceiling"], path)
            return .capacityShare(fullTimeWageCeiling: number("full_time_wage_ceiling", required: false).map { Int($0) })
        case "fixed_monthly":
            unknownKeys(object, allowed: ["kind", "amount"], path)
            return number("amount", required: true).map { .fixedMonthly(Int($0)) }
        case "yearly_maximum":
            unknownKeys(object, allowed: ["kind", "amount"], path)
            return number("amount", required: true).map { .yearlyMaximum(Int($0)) }
        default:
            problem("\(path).kind", "\"\(kind)\" is not one of none, percent_of_wage, capacity_share, fixed_monthly, yearly_maximum")
            return nil
        }
    }

    mutating func duration(_ raw: Any?, _ path: String) -> SupportDuration? {
        guard let raw, !(raw is NSNull) else { return SupportDuration(steps: [], otherwiseMonths: nil) }
        guard let object = raw as? [String: Any] else {
            problem(path, "must be an object: {\"steps\": [{\"when\": condition, \"months\": N}], \"otherwise_months\": N}")
            return nil
        }
        unknownKeys(object, allowed: ["steps", "otherwise_months"], path)
        var steps: [(when: SupportCondition, months: Int)] = []
        for (index, item) in ((object["steps"] as? [Any]) ?? []).enumerated() {
            let stepPath = "\(path).steps[\(index)]"
            guard let step = item as? [String: Any], let when = step["when"], let months = step["months"] as? Int, months > 0 else {
                problem(stepPath, "must be {\"when\": condition, \"months\": a positive whole number}")
                continue
            }
            unknownKeys(step, allowed: ["when", "months"], stepPath)
            if let parsed = condition(when, "\(stepPath).when") { steps.append((parsed, months)) }
        }
        var otherwise: Int?
        if let value = object["otherwise_months"], !(value is NSNull) {
            if let months = value as? Int, months > 0 { otherwise = months } else { problem("\(path).otherwise_months", "must be a positive whole number") }
        }
        return SupportDuration(steps: steps, otherwiseMonths: otherwise)
    }
}

/// The seed catalog shipped in the binary (`Reference/data/supports.json`).
public enum SeedSupportCatalog {
    /// Its bytes.
    public static var data: Data { Data(PackageResources.supports_json) }
}
