import Foundation

/// The weights of the score's components; they sum to 1 by default. Stored with each suggestion.
public struct ScoreWeights: Sendable, Hashable, Codable {
    /// The wished occupation against the offer's SSYK code.
    public var wishedOccupation = 0.25
    /// The participant's interests against the offer's title and description.
    public var interests = 0.05
    /// Skills, informal competence and experience against what the offer asks.
    public var experienceAndSkills = 0.20
    /// Closeness within the allowed commute.
    public var distance = 0.15
    /// How well the hours fit.
    public var hoursFit = 0.10
    /// Flexibility and adaptations beyond those needed.
    public var flexibility = 0.05
    /// An agreement with the förbund and earlier successful placements.
    public var employerRelation = 0.10
    /// Time waited without a suggestion.
    public var waitingTime = 0.10

    /// The documented defaults.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case wishedOccupation = "wished_occupation", interests, experienceAndSkills = "experience_and_skills", distance
        case hoursFit = "hours_fit", flexibility, employerRelation = "employer_relation", waitingTime = "waiting_time"
    }
}

/// One named part of a score, with what it added and why.
public struct ScoreComponent: Sendable, Hashable, Codable {
    /// Its name (`wished_occupation`).
    public var name: String
    /// Its value, 0 to 1.
    public var value: Double
    /// Its weight.
    public var weight: Double
    /// value × weight.
    public var contribution: Double
    /// The reason, in Swedish.
    public var sentenceSv: String
    /// The reason, in English.
    public var sentenceEn: String

    enum CodingKeys: String, CodingKey {
        case name, value, weight, contribution, sentenceSv = "sentence_sv", sentenceEn = "sentence_en"
    }
}

/// A pair's score in [0, 1], with its components.
public struct PairScore: Sendable, Hashable, Codable {
    /// The sum of the contributions.
    public var total: Double
    /// Every component.
    public var components: [ScoreComponent]

    enum CodingKeys: String, CodingKey { case total, components }
}

/// Scores a pair that passed the constraints. Gender, age, origin and disability are never read:
/// the inputs it uses are wishes, skills, experience, place, hours, adaptations, the employer
/// relation and waiting time.
public struct PairScorer: Sendable {
    /// The weights.
    public var weights: ScoreWeights
    /// For distances and the allowed commute.
    public var constraints: PairConstraints

    /// A scorer.
    public init(weights: ScoreWeights = ScoreWeights(), constraints: PairConstraints = PairConstraints()) {
        self.weights = weights
        self.constraints = constraints
    }

    /// The score of a pair; `waitingDays` is how long the participant has waited for a suggestion.
    public func score(_ participant: Participant, _ candidate: MatchOffer, waitingDays: Int) -> PairScore {
        // The date only decides consent, which the score never reads.
        score(PreparedParticipant(participant, today: candidate.offer.fields.startDate, constraints: constraints),
              PreparedOffer(candidate), waitingDays: waitingDays)
    }

    /// The eight components' values (0 to 1 once clamped), before weighting.
    struct Values {
        var wishedOccupation, interests, experienceAndSkills, distance, hoursFit, flexibility, employerRelation, waitingTime: Double
    }

    /// The total alone, for ranking: the same arithmetic as `score`, without a sentence built.
    func total(_ person: PreparedParticipant, _ offer: PreparedOffer, waitingDays: Int) -> Double {
        let v = values(person, offer, waitingDays: waitingDays)
        // Summed in the components' order, as `score` sums its contributions, so both agree to the bit.
        var total = 0.0
        total += Self.clamped(v.wishedOccupation) * weights.wishedOccupation
        total += Self.clamped(v.interests) * weights.interests
        total += Self.clamped(v.experienceAndSkills) * weights.experienceAndSkills
        total += Self.clamped(v.distance) * weights.distance
        total += Self.clamped(v.hoursFit) * weights.hoursFit
        total += Self.clamped(v.flexibility) * weights.flexibility
        total += Self.clamped(v.employerRelation) * weights.employerRelation
        total += Self.clamped(v.waitingTime) * weights.waitingTime
        return total
    }

    static func clamped(_ value: Double) -> Double { min(1, max(0, value)) }

    func values(_ person: PreparedParticipant, _ offer: PreparedOffer, waitingDays: Int) -> Values {
        let shared = bestWish(person, offer)?.shared ?? 0
        let hits = interestHits(person, offer).count
        let skills = matchedSkills(person, offer)
        let skillTotal = 2 * offer.requiredSkills.count + offer.wantedSkills.count
        let experience = experienceValue(person, offer)
        let skillValue = skillTotal == 0 ? nil : Double(2 * skills.required.count + skills.wanted.count) / Double(skillTotal)
        let hours = person.hoursPerWeek
        let extra = offer.adaptations.countNot(in: person.needs)
        return Values(
            wishedOccupation: [0, 0.25, 0.5, 0.75, 1][shared],
            interests: person.interestWords.isEmpty ? 0 : Double(hits) / Double(min(3, person.interestWords.count)),
            experienceAndSkills: skillValue.map { ($0 + experience) / 2 } ?? experience,
            distance: offer.remote ? 1 : 1 - constraints.distanceKm(person, offer) / person.maxCommuteKm,
            hoursFit: hours < offer.hoursMin ? Double(hours) / Double(offer.hoursMin)
                : hours > offer.hoursMax ? Double(offer.hoursMax) / Double(hours) : 1,
            flexibility: (min(1, Double(extra) / 4) + offer.scheduleValue) / 2,
            employerRelation: offer.relationValue,
            waitingTime: Double(max(0, waitingDays)) / 180)
    }

    /// The wish that shares most leading SSYK digits with the offer.
    func bestWish(_ person: PreparedParticipant, _ offer: PreparedOffer) -> (code: String, shared: Int)? {
        var best: (code: String, shared: Int)?
        for wish in person.wishes {
            let shared = Self.sharedPrefix(wish.digits, offer.occupation)
            // Most digits shared; among equals the lowest code, whatever order the wishes came in.
            if let current = best, (current.shared, wish.code) >= (shared, current.code) { continue }
            best = (wish.code, shared)
        }
        return best
    }

    /// The participant's interest words the offer's title or description has, in order.
    func interestHits(_ person: PreparedParticipant, _ offer: PreparedOffer) -> [String] {
        person.interestWords.filter(offer.words.contains)
    }

    /// The offer's required and wanted skills the participant has (by name or by a shared word).
    func matchedSkills(_ person: PreparedParticipant, _ offer: PreparedOffer) -> (required: [String], wanted: [String]) {
        func has(_ skill: PreparedSkill) -> Bool {
            person.ownSkills.contains(skill.lowercased) || !skill.words.isDisjoint(with: person.ownWords)
        }
        return (offer.requiredSkills.filter(has).map(\.name), offer.wantedSkills.filter(has).map(\.name))
    }

    /// Experience in the offer's occupation or one near it, saturating at three years.
    func experienceValue(_ person: PreparedParticipant, _ offer: PreparedOffer) -> Double {
        person.experience.map { (Double(Self.sharedPrefix($0.digits, offer.occupation)) / 4) * min(1, Double($0.years) / 3) }.max() ?? 0
    }

    /// The score of a prepared pair with every component's sentence: built only for the pairs kept.
    func score(_ person: PreparedParticipant, _ offer: PreparedOffer, waitingDays: Int) -> PairScore {
        let v = values(person, offer, waitingDays: waitingDays)
        let fields = offer.source.offer.fields
        var components: [ScoreComponent] = []
        func add(_ name: String, _ value: Double, _ weight: Double, _ sv: String, _ en: String) {
            let clamped = Self.clamped(value)
            components.append(ScoreComponent(name: name, value: clamped, weight: weight, contribution: clamped * weight,
                                             sentenceSv: sv, sentenceEn: en))
        }

        let wish = bestWish(person, offer)
        let shared = wish?.shared ?? 0
        let level = ["inte", "lite", "delvis", "nära", "exakt"][shared]
        let levelEn = ["not", "a little", "partly", "closely", "exactly"][shared]
        let code = wish?.code ?? ""
        let wishName = ReferenceData.occupations[code]
        add("wished_occupation", v.wishedOccupation, weights.wishedOccupation,
            code.isEmpty ? "Inget önskat yrke angivet." : "Önskat yrke: \(wishName?.nameSv ?? code) (\(code)) matchar erbjudandet \(level).",
            code.isEmpty ? "No wished occupation given." : "Wished occupation: \(wishName?.nameEn ?? code) (\(code)) matches the offer \(levelEn).")

        let hits = interestHits(person, offer).joined(separator: ", ")
        add("interests", v.interests, weights.interests,
            hits.isEmpty ? "Intressena nämns inte i erbjudandet." : "Intressen som nämns i erbjudandet: \(hits).",
            hits.isEmpty ? "The interests are not mentioned in the offer." : "Interests the offer mentions: \(hits).")

        let skills = matchedSkills(person, offer)
        let matched = skills.required + skills.wanted
        let experienced = experienceValue(person, offer) > 0
        add("experience_and_skills", v.experienceAndSkills, weights.experienceAndSkills,
            (matched.isEmpty ? "Inga av erbjudandets kompetenser." : "Kompetenser som efterfrågas: \(matched.joined(separator: ", ")).")
                + (experienced ? " Erfarenhet i närliggande yrke." : ""),
            (matched.isEmpty ? "None of the offer's skills." : "Skills the offer asks for: \(matched.joined(separator: ", ")).")
                + (experienced ? " Experience in a related occupation." : ""))

        let km = Int(constraints.distanceKm(person, offer).rounded())
        add("distance", v.distance, weights.distance,
            offer.remote ? "Distansarbete är möjligt." : "Cirka \(km) km till arbetsplatsen.",
            offer.remote ? "Remote work is possible." : "About \(km) km to the workplace.")

        add("hours_fit", v.hoursFit, weights.hoursFit,
            "Deltagaren kan \(person.hoursPerWeek) timmar i veckan; erbjudandet har \(offer.hoursMin)–\(offer.hoursMax).",
            "The participant can work \(person.hoursPerWeek) hours a week; the offer has \(offer.hoursMin)–\(offer.hoursMax).")

        let extra = offer.adaptations.countNot(in: person.needs)
        add("flexibility", v.flexibility, weights.flexibility,
            "\(extra) anpassningar utöver behoven; schema: \(fields.scheduleFlexibility.rawValue).",
            "\(extra) adaptations beyond the needs; schedule: \(fields.scheduleFlexibility.rawValue).")

        let relation = offer.source
        add("employer_relation", v.employerRelation, weights.employerRelation,
            (relation.hasActiveAgreement ? "Avtal med förbundet. " : "Inget avtal med förbundet. ")
                + "\(relation.successfulPlacements) lyckade placeringar tidigare.",
            (relation.hasActiveAgreement ? "An agreement with the förbund. " : "No agreement with the förbund. ")
                + "\(relation.successfulPlacements) successful placements before.")

        add("waiting_time", v.waitingTime, weights.waitingTime,
            "Har väntat \(max(0, waitingDays)) dagar på ett förslag.", "Has waited \(max(0, waitingDays)) days for a suggestion.")
        return PairScore(total: components.map(\.contribution).reduce(0, +), components: components)
    }

    /// How many leading digits two SSYK codes share (0 to 4).
    static func sharedPrefix(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var shared = 0
        while shared < min(a.count, b.count, 4) && a[shared] == b[shared] { shared += 1 }
        return shared
    }

    /// Lower-case words of four letters or more.
    static func words(_ text: String) -> Set<String> {
        Set(text.lowercased().split { !$0.isLetter }.map(String.init).filter { $0.count >= 4 })
    }
}
