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
}

/// A pair's score in [0, 1], with its components.
public struct PairScore: Sendable, Hashable, Codable {
    /// The sum of the contributions.
    public var total: Double
    /// Every component.
    public var components: [ScoreComponent]
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
        let person = participant.fields
        let offer = candidate.offer.fields
        var components: [ScoreComponent] = []
        func add(_ name: String, _ value: Double, _ weight: Double, _ sv: String, _ en: String) {
            let clamped = min(1, max(0, value))
            components.append(ScoreComponent(name: name, value: clamped, weight: weight, contribution: clamped * weight,
                                             sentenceSv: sv, sentenceEn: en))
        }

        let (bestWish, shared) = person.wishedOccupations.map { ($0, Self.sharedPrefix($0, offer.occupation)) }
            .max { ($0.1, $1.0) < ($1.1, $0.0) } ?? ("", 0)
        let wishValue = [0, 0.25, 0.5, 0.75, 1][shared]
        let level = ["inte", "lite", "delvis", "nära", "exakt"][shared]
        let levelEn = ["not", "a little", "partly", "closely", "exactly"][shared]
        let wishName = ReferenceData.occupations[bestWish]
        add("wished_occupation", wishValue, weights.wishedOccupation,
            bestWish.isEmpty ? "Inget önskat yrke angivet." : "Önskat yrke: \(wishName?.nameSv ?? bestWish) (\(bestWish)) matchar erbjudandet \(level).",
            bestWish.isEmpty ? "No wished occupation given." : "Wished occupation: \(wishName?.nameEn ?? bestWish) (\(bestWish)) matches the offer \(levelEn).")

        let interestWords = Self.words(person.interests)
        let offerWords = Self.words(offer.title + " " + offer.description)
        let interestHits = interestWords.intersection(offerWords)
        add("interests", interestWords.isEmpty ? 0 : Double(interestHits.count) / Double(min(3, interestWords.count)), weights.interests,
            interestHits.isEmpty ? "Intressena nämns inte i erbjudandet." : "Intressen som nämns i erbjudandet: \(interestHits.sorted().joined(separator: ", ")).",
            interestHits.isEmpty ? "The interests are not mentioned in the offer." : "Interests the offer mentions: \(interestHits.sorted().joined(separator: ", ")).")

        let own = Set((person.skills + person.informalCompetence.map(\.description)).map { $0.lowercased() })
        let ownWords = own.reduce(into: Set<String>()) { $0.formUnion(Self.words($1)) }
        func has(_ skill: String) -> Bool { own.contains(skill.lowercased()) || !Self.words(skill).isDisjoint(with: ownWords) }
        let required = offer.requiredSkills.filter(has)
        let wanted = offer.wantedSkills.filter(has)
        let skillTotal = 2 * offer.requiredSkills.count + offer.wantedSkills.count
        let skillValue = skillTotal == 0 ? nil : Double(2 * required.count + wanted.count) / Double(skillTotal)
        let experience = person.experience.map { (Double(Self.sharedPrefix($0.occupation, offer.occupation)) / 4) * min(1, Double($0.years) / 3) }
            .max() ?? 0
        let matched = required + wanted
        add("experience_and_skills", skillValue.map { ($0 + experience) / 2 } ?? experience, weights.experienceAndSkills,
            (matched.isEmpty ? "Inga av erbjudandets kompetenser." : "Kompetenser som efterfrågas: \(matched.joined(separator: ", ")).")
                + (experience > 0 ? " Erfarenhet i närliggande yrke." : ""),
            (matched.isEmpty ? "None of the offer's skills." : "Skills the offer asks for: \(matched.joined(separator: ", ")).")
                + (experience > 0 ? " Experience in a related occupation." : ""))

        let distance = constraints.distanceKm(participant, candidate)
        let allowed = constraints.maxCommuteKm(person)
        let km = Int(distance.rounded())
        add("distance", offer.remotePossible ? 1 : 1 - distance / allowed, weights.distance,
            offer.remotePossible ? "Distansarbete är möjligt." : "Cirka \(km) km till arbetsplatsen.",
            offer.remotePossible ? "Remote work is possible." : "About \(km) km to the workplace.")

        let hours = person.hoursPerWeek
        let hoursValue = hours < offer.hoursMin ? Double(hours) / Double(offer.hoursMin)
            : hours > offer.hoursMax ? Double(offer.hoursMax) / Double(hours) : 1
        add("hours_fit", hoursValue, weights.hoursFit,
            "Deltagaren kan \(hours) timmar i veckan; erbjudandet har \(offer.hoursMin)–\(offer.hoursMax).",
            "The participant can work \(hours) hours a week; the offer has \(offer.hoursMin)–\(offer.hoursMax).")

        let extra = Set(offer.adaptations).subtracting(person.adaptationNeeds).count
        let flexibility: Double = switch offer.scheduleFlexibility { case .fixed: 0; case .some: 0.5; case .flexible: 1 }
        add("flexibility", (min(1, Double(extra) / 4) + flexibility) / 2, weights.flexibility,
            "\(extra) anpassningar utöver behoven; schema: \(offer.scheduleFlexibility.rawValue).",
            "\(extra) adaptations beyond the needs; schedule: \(offer.scheduleFlexibility.rawValue).")

        let relation = (candidate.hasActiveAgreement ? 0.6 : 0) + min(1, Double(candidate.successfulPlacements) / 4) * 0.4
        add("employer_relation", relation, weights.employerRelation,
            (candidate.hasActiveAgreement ? "Avtal med förbundet. " : "Inget avtal med förbundet. ")
                + "\(candidate.successfulPlacements) lyckade placeringar tidigare.",
            (candidate.hasActiveAgreement ? "An agreement with the förbund. " : "No agreement with the förbund. ")
                + "\(candidate.successfulPlacements) successful placements before.")

        add("waiting_time", Double(max(0, waitingDays)) / 180, weights.waitingTime,
            "Har väntat \(max(0, waitingDays)) dagar på ett förslag.", "Has waited \(max(0, waitingDays)) days for a suggestion.")
        return PairScore(total: components.map(\.contribution).reduce(0, +), components: components)
    }

    /// How many leading digits two SSYK codes share (0 to 4).
    static func sharedPrefix(_ a: String, _ b: String) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }

    /// Lower-case words of four letters or more.
    static func words(_ text: String) -> Set<String> {
        Set(text.lowercased().split { !$0.isLetter }.map(String.init).filter { $0.count >= 4 })
    }
}
