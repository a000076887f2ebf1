import Foundation

/// A synthetic market for benchmarks: offers and participants spread over the 290 municipalities
/// and the SSYK groups, from a fixed seed, so every run measures the same input.
public struct MarketGenerator {
    var random: SplitMix64
    let municipalities = ReferenceData.municipalities.values.sorted { $0.code < $1.code }
    let occupations = ReferenceData.occupations.values.filter { $0.level == 4 }.map(\.code).sorted()
    let forbund = UUID(uuidString: "00000000-0000-0000-0000-000000000001")!

    /// A generator from `seed`.
    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func uuid() -> UUID {
        let a = random.next(), b = random.next()
        return withUnsafeBytes(of: (a, b)) { UUID(uuid: $0.load(as: uuid_t.self)) }
    }

    mutating func place() -> (String, Double, Double) {
        let municipality = municipalities.randomElement(using: &random)!
        return (municipality.code, municipality.latitude + Double.random(in: -0.1...0.1, using: &random),
                municipality.longitude + Double.random(in: -0.2...0.2, using: &random))
    }

    /// `count` open offers.
    public mutating func offers(_ count: Int) -> [MatchOffer] {
        (0..<count).map { _ in
            let (code, latitude, longitude) = place()
            let type = PlacementType.allCases.randomElement(using: &random)!
            let hoursMin = Int.random(in: 5...30, using: &random)
            let fields = OfferFields(
                type: type, occupation: occupations.randomElement(using: &random)!, title: "Erbjudande", description: "",
                requiredSkills: [], wantedSkills: [], requiredLanguages: [LanguageSkill(language: "sv", level: .a2)],
                hoursMin: hoursMin, hoursMax: max(hoursMin, 40), scheduleFlexibility: .some,
                startDate: CalendarDate(year: 2027, month: 2, day: 1)!, durationMonths: 6,
                monthlyWage: OfferInput.paidTypes.contains(type) ? 24_000 : nil, workplaceKommunkod: code, workplaceAddress: "",
                workplaceLatitude: latitude, workplaceLongitude: longitude, workplaceCoordinateSource: .address,
                remotePossible: Int.random(in: 0..<50, using: &random) == 0, handledareAvailable: Bool.random(using: &random),
                handledareHours: nil, adaptations: Array(Adaptation.allCases.shuffled(using: &random).prefix(Int.random(in: 0...5, using: &random))),
                positions: Int.random(in: 1...3, using: &random), supportsCountedOn: [])
            let offer = PlacementOffer(forbundID: forbund, id: uuid(), employerID: uuid(), fields: fields, status: .open, version: 1,
                                       createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0))
            return MatchOffer(offer: offer, employerSector: EmployerSector.allCases.randomElement(using: &random)!,
                              hasActiveAgreement: Bool.random(using: &random))
        }
    }

    /// `count` seeking participants who consent to matching.
    public mutating func participants(_ count: Int) -> [Participant] {
        (0..<count).map { index in
            let (code, latitude, longitude) = place()
            let fields = ParticipantFields(
                caseReference: "G-\(index)", name: nil, responsibleCoordinatorID: nil, seeking: true, homeKommunkod: code,
                homeLatitude: latitude, homeLongitude: longitude, homeCoordinateSource: .address,
                maxCommuteKm: Int.random(in: 10...50, using: &random), maxCommuteMinutes: nil,
                wishedOccupations: [occupations.randomElement(using: &random)!], interests: "", excludedSectors: [],
                excludedEmployerIDs: [], experience: [], skills: [], informalCompetence: [],
                languages: [LanguageSkill(language: "sv", level: LanguageLevel.allCases.randomElement(using: &random)!)],
                hoursPerWeek: Int.random(in: 5...40, using: &random), availableFrom: nil,
                adaptationNeeds: Array(Adaptation.allCases.shuffled(using: &random).prefix(Int.random(in: 0...1, using: &random))),
                needsHandledare: Int.random(in: 0..<4, using: &random) == 0,
                facts: SupportFacts(birthYear: Int.random(in: 1965...2005, using: &random), monthsAwayLast9: Int.random(in: 0...9, using: &random),
                                    monthsAwayLast15: 15),
                gender: Gender.allCases.randomElement(using: &random)!)
            let consent = Consent(id: uuid(), purpose: .matching, givenOn: CalendarDate(year: 2026, month: 1, day: 1)!, withdrawnOn: nil,
                                  recordedBy: "generator")
            return Participant(forbundID: forbund, id: uuid(), fields: fields, consents: [consent], version: 1,
                               createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0))
        }
    }
}

/// SplitMix64: a small, fast generator with a fixed sequence per seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    /// A generator starting at `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
