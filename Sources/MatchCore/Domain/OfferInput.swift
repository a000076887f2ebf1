import Foundation

/// A placement offer as a client sends it (POST creates, PUT replaces). Every field is optional
/// here so that `validated()` can report all missing and broken fields together.
public struct OfferInput: Sendable, Decodable {
    var type: String?
    var occupation: String?
    var title: String?
    var description: String?
    var requiredSkills: [String]?
    var wantedSkills: [String]?
    var requiredLanguages: [LanguageInput]?
    var hoursMin: Int?
    var hoursMax: Int?
    var scheduleFlexibility: String?
    var startDate: String?
    var durationMonths: Int?
    var monthlyWage: Int?
    var workplaceKommunkod: String?
    var workplaceAddress: String?
    var workplaceLatitude: Double?
    var workplaceLongitude: Double?
    var remotePossible: Bool?
    var handledareAvailable: Bool?
    var handledareHours: Int?
    var adaptations: [String]?
    var positions: Int?
    var supportsCountedOn: [String]?
    /// On create only: `draft` (the default) or `open`.
    public var status: String?

    struct LanguageInput: Sendable, Decodable {
        var language: String?
        var level: String?

        enum CodingKeys: String, CodingKey {
            case language, level
        }
    }

    /// Placement types that pay a wage, so need one stated.
    static let paidTypes: Set<PlacementType> = [.lonestod, .nystartsjobb, .introduktionsjobb, .osa, .osubventionerad]

    /// The checked fields, or every broken rule.
    public func validated(creating: Bool) throws(FieldErrors) -> OfferFields {
        var check = InputCheck()
        let type = check.oneOf(type, "/type", as: PlacementType.self)
        let occupation = check.occupation(occupation, "/occupation")
        let title = check.text(title, "/title", required: true)
        let description = check.text(description, "/description", maxLength: 10_000) ?? ""
        let requiredSkills = check.texts(requiredSkills, "/required_skills")
        let wantedSkills = check.texts(wantedSkills, "/wanted_skills")
        let languages = Self.languages(requiredLanguages, &check)
        let hoursMin = check.integer(hoursMin, "/hours_min", in: 1...40, required: true)
        let hoursMax = check.integer(hoursMax, "/hours_max", in: 1...40, required: true)
        if let hoursMin, let hoursMax, hoursMax < hoursMin {
            check.errors.add("/hours_max", rule: "at_least_hours_min", "must not be below hours_min")
        }
        let flexibility = check.oneOf(scheduleFlexibility ?? ScheduleFlexibility.fixed.rawValue, "/schedule_flexibility",
                                      as: ScheduleFlexibility.self)
        let startDate = check.date(startDate, "/start_date", required: true)
        let duration = check.integer(durationMonths, "/duration_months", in: 1...60)
        let wage = check.integer(monthlyWage, "/monthly_wage", in: 1...200_000)
        if let type {
            if Self.paidTypes.contains(type), monthlyWage == nil {
                check.errors.add("/monthly_wage", rule: "required_for_type", "is required for a paid placement (\(type.rawValue))")
            } else if !Self.paidTypes.contains(type), monthlyWage != nil {
                check.errors.add("/monthly_wage", rule: "unpaid_type", "must be absent: \(type.rawValue) is not paid by the employer")
            }
        }
        let municipality = check.kommunkod(workplaceKommunkod, "/workplace_kommunkod")
        let coordinate = check.coordinate(latitude: workplaceLatitude, longitude: workplaceLongitude, "/workplace_latitude")
        let address = check.text(workplaceAddress, "/workplace_address") ?? ""
        let handledare = check.required(handledareAvailable, "/handledare_available")
        let handledareHours = check.integer(handledareHours, "/handledare_hours", in: 1...40)
        if handledare == false, handledareHours != nil {
            check.errors.add("/handledare_hours", rule: "needs_handledare", "must be absent when no handledare is available")
        }
        let adaptations = check.setOf(adaptations, "/adaptations", as: Adaptation.self)
        let positions = check.integer(positions ?? 1, "/positions", in: 1...1000)
        let supports = check.texts(supportsCountedOn, "/supports_counted_on", maxCount: 20, maxLength: 40)
        for (index, code) in supports.enumerated() where !code.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "_" }) {
            check.errors.add("/supports_counted_on/\(index)", rule: "format", "must be a support code such as nystartsjobb")
        }
        // On create the offer starts as draft or open; on replace the status is ignored (it changes
        // through the status operation), so an offer read in any status can be sent back whole.
        if let status {
            if creating, status != OfferStatus.draft.rawValue, status != OfferStatus.open.rawValue {
                check.errors.add("/status", rule: "enum", "must be draft or open when an offer is created")
            } else if !creating, OfferStatus(rawValue: status) == nil {
                check.errors.add("/status", rule: "enum", "must be one of: \(OfferStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        try check.finish()
        return OfferFields(
            type: type!, occupation: occupation!, title: title!, description: description,
            requiredSkills: requiredSkills, wantedSkills: wantedSkills, requiredLanguages: languages,
            hoursMin: hoursMin!, hoursMax: hoursMax!, scheduleFlexibility: flexibility!, startDate: startDate!,
            durationMonths: duration, monthlyWage: wage, workplaceKommunkod: municipality!.code, workplaceAddress: address,
            workplaceLatitude: coordinate?.0 ?? municipality!.latitude,
            workplaceLongitude: coordinate?.1 ?? municipality!.longitude,
            workplaceCoordinateSource: .of(coordinate, in: municipality!),
            remotePossible: remotePossible ?? false, handledareAvailable: handledare!, handledareHours: handledareHours,
            adaptations: adaptations, positions: positions!, supportsCountedOn: supports)
    }

    /// The status to create with.
    public var initialStatus: OfferStatus { status == OfferStatus.open.rawValue ? .open : .draft }

    static func languages(_ inputs: [LanguageInput]?, _ check: inout InputCheck) -> [LanguageSkill] {
        var result: [LanguageSkill] = []
        for (index, input) in (inputs ?? []).enumerated() {
            let pointer = "/required_languages/\(index)"
            var code: String?
            if let language = check.required(input.language, "\(pointer)/language") {
                if (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLowercase }) {
                    code = language
                } else {
                    check.errors.add("\(pointer)/language", rule: "iso639", "must be an ISO 639 code in lower case, such as sv")
                }
            }
            let level = check.oneOf(input.level, "\(pointer)/level", as: LanguageLevel.self)
            if let code, result.contains(where: { $0.language == code }) {
                check.errors.add("\(pointer)/language", rule: "unique_items", "is listed twice")
            } else if let code, let level {
                result.append(LanguageSkill(language: code, level: level))
            }
        }
        return result
    }

    enum CodingKeys: String, CodingKey {
        case type, occupation, title, description, requiredSkills = "required_skills"
        case wantedSkills = "wanted_skills", requiredLanguages = "required_languages", hoursMin = "hours_min"
        case hoursMax = "hours_max", scheduleFlexibility = "schedule_flexibility", startDate = "start_date"
        case durationMonths = "duration_months", monthlyWage = "monthly_wage"
        case workplaceKommunkod = "workplace_kommunkod", workplaceAddress = "workplace_address"
        case workplaceLatitude = "workplace_latitude", workplaceLongitude = "workplace_longitude"
        case remotePossible = "remote_possible", handledareAvailable = "handledare_available"
        case handledareHours = "handledare_hours", adaptations, positions, supportsCountedOn = "supports_counted_on"
        case status
    }
}

/// A change of an offer's status, as a client sends it.
public struct OfferStatusChange: Sendable, Decodable {
    /// The new status's raw value.
    public var status: String?
    /// Why, for the history.
    public var note: String?

    /// The checked status and note.
    public func validated() throws(FieldErrors) -> (OfferStatus, String) {
        var check = InputCheck()
        let status = check.oneOf(status, "/status", as: OfferStatus.self)
        let note = check.text(note, "/note", maxLength: 2_000) ?? ""
        try check.finish()
        return (status!, note)
    }

    enum CodingKeys: String, CodingKey {
        case status, note
    }
}
