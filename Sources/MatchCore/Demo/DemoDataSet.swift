import Foundation

/// A realistic förbund to show Lotsen with: its members, coordinators and employer users,
/// employers over Östergötland's municipalities, their offers, and participants with a mix of
/// hours, functional needs, languages, wishes and consents. Every name is invented; the places,
/// occupations and supports are real. The same seed and day give the same data.
public struct DemoDataSet: Sendable {
    /// How much of it to make.
    public enum Size: String, Sendable, CaseIterable {
        /// 10 employers, 30 offers, 100 participants.
        case small
        /// 100 employers, 300 offers, 1 000 participants.
        case full

        var scale: Int { self == .full ? 10 : 1 }
    }

    /// A user to create.
    public struct UserSpec: Sendable {
        /// Their name.
        public var name: String
        /// Their e-mail address.
        public var email: String
        /// For an employer user: the index of their employer in `employers`.
        public var employerIndex: Int?
    }

    /// An employer with an optional agreement.
    public struct EmployerSpec: Sendable {
        /// Its organisationsnummer.
        public var number: Organisationsnummer
        /// Its fields; the responsible coordinator is set by index when loading.
        public var fields: EmployerFields
        /// The index of its responsible coordinator.
        public var coordinatorIndex: Int
        /// A placement agreement signed on this day, if any.
        public var agreementSignedOn: CalendarDate?
        /// The occupation its name is about, which most of its offers are for.
        var occupationIndex: Int
    }

    /// An offer of an employer.
    public struct OfferSpec: Sendable {
        /// Its id, from the seed: matching breaks ties by id, so every load ranks alike.
        public var id = UUID()
        /// The index of its employer.
        public var employerIndex: Int
        /// Its fields.
        public var fields: OfferFields
        /// Open, or a draft.
        public var status: OfferStatus
    }

    /// A participant with their consents.
    public struct ParticipantSpec: Sendable {
        /// Their id, from the seed (see `OfferSpec.id`).
        public var id = UUID()
        /// Their fields; the responsible coordinator is set by index when loading.
        public var fields: ParticipantFields
        /// The index of their responsible coordinator.
        public var coordinatorIndex: Int
        /// The purposes they consented to, on the day given.
        public var consents: [(purpose: Consent.Purpose, givenOn: CalendarDate)]
    }

    /// The förbund's name.
    public let forbundName = DemoVocabulary.forbundName
    /// Its member agencies (kind, name).
    public let members = DemoVocabulary.members
    /// Coordinators.
    public private(set) var coordinators: [UserSpec] = []
    /// Employer users, each bound to an employer with offers.
    public private(set) var employerUsers: [UserSpec] = []
    /// Employers.
    public private(set) var employers: [EmployerSpec] = []
    /// Offers.
    public private(set) var offers: [OfferSpec] = []
    /// Participants.
    public private(set) var participants: [ParticipantSpec] = []

    /// The data set of `size` from `seed`, with dates around `today`.
    public init(size: Size, seed: UInt64 = 2026, today: CalendarDate) {
        var maker = DemoMaker(random: SplitMix64(seed: seed), today: today)
        coordinators = [("Karin", "Holmgren"), ("Ahmed", "Warsame"), ("Lena", "Ståhl")].map { given, family in
            UserSpec(name: "\(given) \(family)", email: "\(DemoMaker.ascii(given)).\(DemoMaker.ascii(family))@sofost.example", employerIndex: nil)
        }
        employers = (0..<(10 * size.scale)).map { maker.employer(index: $0, coordinators: coordinators.count) }
        // Every employer has at least one offer; the rest go to the first ones, as a few large workplaces take many.
        let offerCount = 30 * size.scale
        let owners = employers.indices.map { $0 } + (employers.count..<offerCount).map { _ in maker.skewedIndex(employers.count) }
        offers = owners.map { maker.offer(employerIndex: $0, employer: employers[$0]) }
        employerUsers = (0..<min(5, employers.count)).map { index in
            let (given, family) = maker.personName()
            let domain = DemoMaker.ascii(employers[index].fields.name.split(separator: " ").first.map(String.init) ?? "arbetsgivare")
            // The employer's place in the list makes the address unique whatever names a seed draws.
            return UserSpec(name: "\(given) \(family)", email: "\(DemoMaker.ascii(given)).\(DemoMaker.ascii(family))@\(domain)\(index + 1).example",
                            employerIndex: index)
        }
        participants = (0..<(100 * size.scale)).map { maker.participant(index: $0, coordinators: coordinators.count) }
        // Ids from a generator of their own, so the data drawn above stays what it was.
        var ids = SplitMix64(seed: seed ^ 0x1D5_1D5)
        func id() -> UUID {
            let (a, b) = (ids.next(), ids.next())
            return withUnsafeBytes(of: (a, b)) { UUID(uuid: $0.load(as: uuid_t.self)) }
        }
        for index in offers.indices { offers[index].id = id() }
        for index in participants.indices { participants[index].id = id() }
    }
}

/// The random choices behind `DemoDataSet`, one generator threaded through them in a fixed order.
struct DemoMaker {
    var random: SplitMix64
    let today: CalendarDate
    var numbers: Set<String> = []

    static func ascii(_ text: String) -> String {
        let folded = text.lowercased().folding(options: .diacriticInsensitive, locale: Locale(identifier: "sv_SE"))
        return String(folded.unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }.map(Character.init))
    }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

    mutating func weighted<T>(_ values: [(T, Int)]) -> T {
        var roll = Int.random(in: 0..<values.map(\.1).reduce(0, +), using: &random)
        for (value, weight) in values {
            if roll < weight { return value }
            roll -= weight
        }
        return values[values.count - 1].0
    }

    /// An index below `count`, the lower ones more likely.
    mutating func skewedIndex(_ count: Int) -> Int {
        let u = Double.random(in: 0..<1, using: &random)
        return min(count - 1, Int(Double(count) * u * u))
    }

    mutating func personName() -> (String, String) { (pick(DemoVocabulary.givenNames), pick(DemoVocabulary.familyNames)) }

    /// A point near the municipality's centre.
    mutating func place(_ code: String) -> (latitude: Double, longitude: Double) {
        let municipality = ReferenceData.municipalities[code]!
        let latitude = municipality.latitude + Double.random(in: -0.03...0.03, using: &random)
        let longitude = municipality.longitude + Double.random(in: -0.05...0.05, using: &random)
        return ((latitude * 1000).rounded() / 1000, (longitude * 1000).rounded() / 1000)
    }

    /// A valid, unused organisationsnummer starting with `group` (5 aktiebolag, 2 public bodies,
    /// 7 economic associations, 8 non-profit associations).
    mutating func organisationsnummer(group: Int) -> Organisationsnummer {
        while true {
            var digits = [group, Int.random(in: 0...9, using: &random), Int.random(in: 2...9, using: &random)]
            digits += (0..<6).map { _ in Int.random(in: 0...9, using: &random) }
            digits.append(Organisationsnummer.luhnCheckDigit(digits[...]))
            let text = digits.map(String.init).joined()
            if numbers.insert(text).inserted, let number = try? Organisationsnummer(text) { return number }
        }
    }

    mutating func employer(index: Int, coordinators: Int) -> DemoDataSet.EmployerSpec {
        let code = weighted(DemoVocabulary.employerMunicipalities.map { ($0.code, $0.weight) })
        let city = ReferenceData.municipalities[code]!.name
        let sector = weighted([(EmployerSector.private, 64), (.public, 16), (.socialEnterprise, 10), (.nonProfit, 10)])
        let occupationIndex = Int.random(in: 0..<DemoVocabulary.occupations.count, using: &random)
        let occupation = DemoVocabulary.occupations[occupationIndex]
        let name: String
        let group: Int
        switch sector {
        case .private:
            name = "\(pick(DemoVocabulary.placeWords))\(city.lowercased().prefix(4)) \(occupation.trade) AB"
            group = 5
        case .public:
            name = "\(city == "Norrköping" || city == "Söderköping" ? city + "s" : city) kommun, \(occupation.trade) \(pick(DemoVocabulary.placeWords))"
            group = 2
        case .socialEnterprise:
            name = "Arbetskooperativet \(pick(DemoVocabulary.placeWords))\(occupation.trade.lowercased().prefix(5)) ek. för."
            group = 7
        case .nonProfit:
            name = "Föreningen \(pick(DemoVocabulary.placeWords))gården \(occupation.trade)"
            group = 8
        }
        let point = place(code)
        let street = "\(pick(DemoVocabulary.streets)) \(Int.random(in: 1...80, using: &random))"
        let postal = "\(60 + Int.random(in: 0...5, using: &random))\(Int.random(in: 100...999, using: &random))"
        let (given, family) = personName()
        let contact = EmployerContact(name: "\(given) \(family)", role: pick(DemoVocabulary.contactRoles),
                                      email: "\(Self.ascii(given)).\(Self.ascii(family))@example.se",
                                      phone: "011-\(Int.random(in: 100_000...999_999, using: &random))", isHandledare: chance(60))
        let supportGiven = chance(40) ? [EmployerSupportGiven(kind: pick(EmployerSupportGiven.Kind.allCases),
                                                             givenOn: today.adding(days: -Int.random(in: 30...400, using: &random)),
                                                             notes: "")] : []
        let fields = EmployerFields(
            name: name, sector: sector, responsibleCoordinatorID: nil, notes: "",
            addresses: [EmployerAddress(label: "Huvudkontor", street: street, postalCode: postal, city: city, kommunkod: code,
                                        latitude: point.latitude, longitude: point.longitude, coordinateSource: .address)],
            contacts: [contact], supportGiven: supportGiven)
        let agreement = chance(30) ? today.adding(days: -Int.random(in: 10...700, using: &random)) : nil
        return .init(number: organisationsnummer(group: group), fields: fields, coordinatorIndex: index % coordinators,
                     agreementSignedOn: agreement, occupationIndex: occupationIndex)
    }

    mutating func offer(employerIndex: Int, employer: DemoDataSet.EmployerSpec) -> DemoDataSet.OfferSpec {
        let occupation = chance(70) ? DemoVocabulary.occupations[employer.occupationIndex] : pick(DemoVocabulary.occupations)
        let address = employer.fields.addresses[0]
        var types: [(PlacementType, Int)] = [(.praktik, 30), (.arbetstraning, 25), (.lonestod, 14), (.nystartsjobb, 10),
                                             (.introduktionsjobb, 6), (.osubventionerad, 8)]
        // Offentligt skyddat arbete is for public and non-profit employers only.
        if employer.fields.sector == .public || employer.fields.sector == .nonProfit { types.append((.osa, 7)) }
        let type = weighted(types)
        let hoursMin = weighted([(8, 15), (10, 15), (15, 20), (20, 25), (25, 10), (30, 10), (35, 5)])
        let hoursMax = min(40, hoursMin + weighted([(0, 15), (5, 25), (10, 30), (20, 30)]))
        let paid = OfferInput.paidTypes.contains(type)
        let swedish = weighted([(LanguageLevel?.none, 25), (.a1, 20), (.a2, 30), (.b1, 20), (.b2, 5)])
        let adaptations = Array(Adaptation.allCases.filter { _ in chance(28) })
        let fields = OfferFields(
            type: type, occupation: occupation.code, title: occupation.title,
            description: "\(occupation.title) hos \(employer.fields.name). Arbetsuppgifterna lärs ut på plats.",
            requiredSkills: chance(20) ? [occupation.skills[0]] : [], wantedSkills: Array(occupation.skills.prefix(2)),
            requiredLanguages: swedish.map { [LanguageSkill(language: "sv", level: $0)] } ?? [],
            hoursMin: hoursMin, hoursMax: hoursMax, scheduleFlexibility: pick(ScheduleFlexibility.allCases),
            startDate: today.adding(days: Int.random(in: 7...90, using: &random)),
            durationMonths: type == .osubventionerad ? nil : pick([3, 6, 6, 12]),
            monthlyWage: paid ? 22_000 + 500 * Int.random(in: 0...16, using: &random) : nil,
            workplaceKommunkod: address.kommunkod, workplaceAddress: "\(address.street), \(address.postalCode) \(address.city)",
            workplaceLatitude: address.latitude, workplaceLongitude: address.longitude, workplaceCoordinateSource: .address,
            remotePossible: occupation.code == "4222" && chance(50), handledareAvailable: chance(75),
            handledareHours: nil, adaptations: adaptations, positions: weighted([(1, 60), (2, 30), (3, 10)]), supportsCountedOn: [])
        return .init(employerIndex: employerIndex, fields: fields, status: chance(7) ? .draft : .open)
    }

    mutating func participant(index: Int, coordinators: Int) -> DemoDataSet.ParticipantSpec {
        let code = weighted(zip(DemoVocabulary.memberMunicipalities, DemoVocabulary.homeWeights).map { ($0, $1) })
        let point = place(code)
        let (given, family) = personName()
        let nearest = DemoVocabulary.occupations
        let wishes: [String] = weighted([(1, 45), (2, 30), (3, 10), (0, 15)]) == 0 ? [] : (0..<Int.random(in: 1...3, using: &random)).map { _ in pick(nearest).code }
        let native = chance(55)
        let swedish: LanguageLevel = native ? .native : weighted([(.a1, 20), (.a2, 25), (.b1, 25), (.b2, 18), (.c1, 12)])
        var languages = [LanguageSkill(language: "sv", level: swedish)]
        if !native { languages.append(LanguageSkill(language: pick(DemoVocabulary.otherLanguages), level: .native)) }
        // Functional needs, never diagnoses: what the workplace would do, not why.
        let needs = Array(Adaptation.allCases.shuffled(using: &random).prefix(weighted([(0, 35), (1, 40), (2, 20), (3, 5)])))
        let reduced = chance(25)
        let away = Int.random(in: 0...9, using: &random)
        let newArrival = !native && chance(40)
        let experience = chance(45) ? [Experience(occupation: pick(nearest).code, years: Int.random(in: 1...8, using: &random))] : []
        let informal = chance(20) ? [InformalCompetence(source: pick(InformalCompetence.Source.allCases),
                                                        description: pick(DemoVocabulary.interests))] : []
        let fields = ParticipantFields(
            caseReference: String(format: "SÖ-%04d", index + 1), name: "\(given) \(family)", responsibleCoordinatorID: nil,
            seeking: chance(95), homeKommunkod: code, homeLatitude: point.latitude, homeLongitude: point.longitude,
            homeCoordinateSource: .address, maxCommuteKm: chance(70) ? pick([5, 10, 15, 20, 30, 40]) : nil,
            maxCommuteMinutes: chance(20) ? pick([20, 30, 45, 60]) : nil, wishedOccupations: Array(Set(wishes)).sorted(),
            interests: chance(60) ? pick(DemoVocabulary.interests) : "", excludedSectors: chance(5) ? [pick(EmployerSector.allCases)] : [],
            excludedEmployerIDs: [], experience: experience,
            skills: Array(Set((0..<Int.random(in: 0...2, using: &random)).map { _ in pick(pick(nearest).skills) })).sorted(),
            informalCompetence: informal, languages: languages,
            hoursPerWeek: weighted([(10, 12), (15, 15), (20, 25), (25, 15), (30, 13), (40, 20)]),
            availableFrom: chance(30) ? today.adding(days: Int.random(in: 0...60, using: &random)) : nil,
            adaptationNeeds: needs, needsHandledare: chance(40),
            facts: SupportFacts(
                birthYear: today.year - Int.random(in: 19...63, using: &random), monthsAwayLast9: away,
                monthsAwayLast15: min(15, away + Int.random(in: 0...6, using: &random)),
                registeredAtAFSince: chance(70) ? today.adding(days: -Int.random(in: 60...1500, using: &random)) : nil,
                inJobGuarantee: chance(12), disabilityReducedCapacity: reduced,
                assessedCapacityPercent: reduced ? pick([25, 50, 75]) : nil,
                newArrivalSince: newArrival ? today.adding(days: -Int.random(in: 100...1000, using: &random)) : nil,
                hogriskskydd: chance(5)),
            gender: weighted([(Gender.kvinna, 48), (.man, 48), (.annan, 2), (.villEjAnge, 2)]))
        var consents: [(purpose: Consent.Purpose, givenOn: CalendarDate)] = []
        if chance(93) {
            let given = today.adding(days: -Int.random(in: 1...300, using: &random))
            consents.append((.matching, given))
            if chance(75) { consents.append((.disclosureToEmployers, given)) }
        }
        return .init(fields: fields, coordinatorIndex: index % coordinators, consents: consents)
    }
}
