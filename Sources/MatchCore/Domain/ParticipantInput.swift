import Foundation

/// A participant as a client sends it (POST creates, PUT replaces); every field optional here so
/// that `validated()` reports all broken rules at once.
public struct ParticipantInput: Sendable, Decodable {
    var caseReference: String?
    var name: String?
    var responsibleCoordinatorID: UUID?
    var seeking: Bool?
    var homeKommunkod: String?
    var homeLatitude: Double?
    var homeLongitude: Double?
    var maxCommuteKm: Int?
    var maxCommuteMinutes: Int?
    var wishedOccupations: [String]?
    var interests: String?
    var excludedSectors: [String]?
    var excludedEmployerIDs: [UUID]?
    var experience: [ExperienceInput]?
    var skills: [String]?
    var informalCompetence: [InformalInput]?
    var languages: [OfferInput.LanguageInput]?
    var hoursPerWeek: Int?
    var availableFrom: String?
    var adaptationNeeds: [String]?
    var needsHandledare: Bool?
    var facts: FactsInput?
    var gender: String?

    struct ExperienceInput: Sendable, Decodable {
        var occupation: String?
        var years: Int?

        enum CodingKeys: String, CodingKey {
            case occupation, years
        }
    }

    struct InformalInput: Sendable, Decodable {
        var source: String?
        var description: String?

        enum CodingKeys: String, CodingKey {
            case source, description
        }
    }

    struct FactsInput: Sendable, Decodable {
        var birthYear: Int?
        var monthsAwayLast9: Int?
        var monthsAwayLast15: Int?
        var registeredAtAFSince: String?
        var inJobGuarantee: Bool?
        var disabilityReducedCapacity: Bool?
        var assessedCapacityPercent: Int?
        var newArrivalSince: String?
        var hogriskskydd: Bool?

        enum CodingKeys: String, CodingKey {
            case birthYear = "birth_year", monthsAwayLast9 = "months_away_last_9"
            case monthsAwayLast15 = "months_away_last_15", registeredAtAFSince = "registered_at_af_since"
            case inJobGuarantee = "in_job_guarantee", disabilityReducedCapacity = "disability_reduced_capacity"
            case assessedCapacityPercent = "assessed_capacity_percent", newArrivalSince = "new_arrival_since"
            case hogriskskydd
        }
    }

    /// The checked fields, or every broken rule. `today` bounds dates that cannot lie ahead.
    public func validated(today: CalendarDate) throws(FieldErrors) -> ParticipantFields {
        var check = InputCheck()
        let reference = check.text(caseReference, "/case_reference", required: true, maxLength: 50)
        let name = check.text(name, "/name").flatMap { $0.isEmpty ? nil : $0 }
        let seeking = check.required(seeking, "/seeking")
        let home = check.kommunkod(homeKommunkod, "/home_kommunkod")
        let coordinate = check.coordinate(latitude: homeLatitude, longitude: homeLongitude, "/home_latitude")
        let commuteKm = check.integer(maxCommuteKm, "/max_commute_km", in: 1...300)
        let commuteMinutes = check.integer(maxCommuteMinutes, "/max_commute_minutes", in: 5...240)
        var wished: [String] = []
        for (index, code) in (wishedOccupations ?? []).enumerated() {
            if ReferenceData.occupations[code] == nil {
                check.errors.add("/wished_occupations/\(index)", rule: "ssyk", "must be an SSYK 2012 code of 1 to 4 digits")
            } else if !wished.contains(code) {
                wished.append(code)
            }
        }
        let interests = check.text(interests, "/interests", maxLength: 2_000) ?? ""
        let sectors = check.setOf(excludedSectors, "/excluded_sectors", as: EmployerSector.self)
        var experience: [Experience] = []
        for (index, item) in (self.experience ?? []).enumerated() {
            let pointer = "/experience/\(index)"
            var code: String?
            if let value = check.required(item.occupation, "\(pointer)/occupation") {
                if ReferenceData.occupations[value] == nil {
                    check.errors.add("\(pointer)/occupation", rule: "ssyk", "must be an SSYK 2012 code of 1 to 4 digits")
                } else {
                    code = value
                }
            }
            let years = check.integer(item.years, "\(pointer)/years", in: 0...60, required: true)
            if let code, let years { experience.append(Experience(occupation: code, years: years)) }
        }
        let skills = check.texts(skills, "/skills")
        var informal: [InformalCompetence] = []
        for (index, item) in (informalCompetence ?? []).enumerated() {
            let source = check.oneOf(item.source, "/informal_competence/\(index)/source", as: InformalCompetence.Source.self)
            let text = check.text(item.description, "/informal_competence/\(index)/description", required: true, maxLength: 500)
            if let source, let text, !text.isEmpty { informal.append(InformalCompetence(source: source, description: text)) }
        }
        let languages = Self.languages(languages, &check)
        let hours = check.integer(hoursPerWeek, "/hours_per_week", in: 1...40, required: true)
        let available = check.date(availableFrom, "/available_from")
        let needs = check.setOf(adaptationNeeds, "/adaptation_needs", as: Adaptation.self)
        let facts = Self.facts(facts ?? FactsInput(), today: today, &check)
        let gender = check.oneOf(gender, "/gender", as: Gender.self)
        try check.finish()
        return ParticipantFields(
            caseReference: reference!, name: name, responsibleCoordinatorID: responsibleCoordinatorID, seeking: seeking!,
            homeKommunkod: home!.code, homeLatitude: coordinate?.0 ?? home!.latitude, homeLongitude: coordinate?.1 ?? home!.longitude,
            homeCoordinateSource: .of(coordinate, in: home!), maxCommuteKm: commuteKm,
            maxCommuteMinutes: commuteMinutes, wishedOccupations: wished, interests: interests, excludedSectors: sectors,
            excludedEmployerIDs: excludedEmployerIDs ?? [], experience: experience, skills: skills, informalCompetence: informal,
            languages: languages, hoursPerWeek: hours!, availableFrom: available, adaptationNeeds: needs,
            needsHandledare: needsHandledare ?? false, facts: facts, gender: gender!)
    }

    static func languages(_ inputs: [OfferInput.LanguageInput]?, _ check: inout InputCheck) -> [LanguageSkill] {
        // Same rules as an offer's required languages, under this field's name.
        var inner = InputCheck()
        let result = OfferInput.languages(inputs, &inner)
        for entry in inner.errors.entries {
            check.errors.add(entry.pointer.replacingOccurrences(of: "/required_languages", with: "/languages"), rule: entry.rule,
                             entry.message)
        }
        return result
    }

    static func facts(_ input: FactsInput, today: CalendarDate, _ check: inout InputCheck) -> SupportFacts {
        let birthYear = check.integer(input.birthYear, "/facts/birth_year", in: (today.year - 100)...(today.year - 15))
        let away9 = check.integer(input.monthsAwayLast9, "/facts/months_away_last_9", in: 0...9)
        let away15 = check.integer(input.monthsAwayLast15, "/facts/months_away_last_15", in: 0...15)
        if let away9, let away15, away15 < away9 {
            check.errors.add("/facts/months_away_last_15", rule: "at_least_last_9", "cannot be fewer than months_away_last_9")
        }
        let registered = check.date(input.registeredAtAFSince, "/facts/registered_at_af_since")
        if let registered, registered > today {
            check.errors.add("/facts/registered_at_af_since", rule: "not_future", "cannot lie in the future")
        }
        let capacity = check.integer(input.assessedCapacityPercent, "/facts/assessed_capacity_percent", in: 0...100)
        let arrival = check.date(input.newArrivalSince, "/facts/new_arrival_since")
        if let arrival, arrival > today {
            check.errors.add("/facts/new_arrival_since", rule: "not_future", "cannot lie in the future")
        }
        return SupportFacts(birthYear: birthYear, monthsAwayLast9: away9, monthsAwayLast15: away15, registeredAtAFSince: registered,
                            inJobGuarantee: input.inJobGuarantee, disabilityReducedCapacity: input.disabilityReducedCapacity,
                            assessedCapacityPercent: capacity, newArrivalSince: arrival, hogriskskydd: input.hogriskskydd)
    }

    enum CodingKeys: String, CodingKey {
        case caseReference = "case_reference", name, responsibleCoordinatorID = "responsible_coordinator_id"
        case seeking, homeKommunkod = "home_kommunkod", homeLatitude = "home_latitude"
        case homeLongitude = "home_longitude", maxCommuteKm = "max_commute_km"
        case maxCommuteMinutes = "max_commute_minutes", wishedOccupations = "wished_occupations", interests
        case excludedSectors = "excluded_sectors", excludedEmployerIDs = "excluded_employer_ids", experience, skills
        case informalCompetence = "informal_competence", languages, hoursPerWeek = "hours_per_week"
        case availableFrom = "available_from", adaptationNeeds = "adaptation_needs"
        case needsHandledare = "needs_handledare", facts, gender
    }
}

/// A consent as a client records it.
public struct ConsentInput: Sendable, Decodable {
    var purpose: String?
    var givenOn: String?

    /// The checked purpose and date.
    public func validated(today: CalendarDate) throws(FieldErrors) -> (Consent.Purpose, CalendarDate) {
        var check = InputCheck()
        let purpose = check.oneOf(purpose, "/purpose", as: Consent.Purpose.self)
        let given = check.date(givenOn, "/given_on", required: true)
        if let given, given > today { check.errors.add("/given_on", rule: "not_future", "cannot lie in the future") }
        try check.finish()
        return (purpose!, given!)
    }

    enum CodingKeys: String, CodingKey {
        case purpose, givenOn = "given_on"
    }
}

/// A withdrawal of consent as a client records it.
public struct ConsentWithdrawal: Sendable, Decodable {
    var withdrawnOn: String?

    /// The checked date (today when absent).
    public func validated(today: CalendarDate) throws(FieldErrors) -> CalendarDate {
        var check = InputCheck()
        let date = check.date(withdrawnOn, "/withdrawn_on") ?? today
        if date > today { check.errors.add("/withdrawn_on", rule: "not_future", "cannot lie in the future") }
        try check.finish()
        return date
    }

    enum CodingKeys: String, CodingKey {
        case withdrawnOn = "withdrawn_on"
    }
}
