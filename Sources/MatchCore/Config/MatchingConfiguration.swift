/// `[matching]`: the constraints' tolerances, the score's weights and how many suggestions to keep.
public struct MatchingConfiguration: Sendable {
    /// The matcher these settings describe (without the support evaluator, which `[supports]` configures).
    public var constraints: PairConstraints
    /// The weights of the score's components.
    public var weights: ScoreWeights
    /// Suggestions kept per participant.
    public var topPerParticipant: Int
    /// Suggestions kept per offer.
    public var topPerOffer: Int

    init(reader: ConfigurationReader) throws {
        constraints = PairConstraints(
            detourFactor: try reader.double("matching", "detour_factor", default: 1.3, range: 1...3),
            commuteSpeedKmh: try reader.double("matching", "commute_speed_kmh", default: 40, range: 5...120),
            startSlackDays: try reader.int("matching", "start_slack_days", default: 14, range: 0...365),
            defaultMaxCommuteKm: try reader.double("matching", "default_max_commute_km", default: 30, range: 1...300))
        var weights = ScoreWeights()
        weights.wishedOccupation = try reader.double("matching", "weight_wished_occupation", default: weights.wishedOccupation, range: 0...1)
        weights.interests = try reader.double("matching", "weight_interests", default: weights.interests, range: 0...1)
        weights.experienceAndSkills = try reader.double("matching", "weight_experience_and_skills", default: weights.experienceAndSkills,
                                                        range: 0...1)
        weights.distance = try reader.double("matching", "weight_distance", default: weights.distance, range: 0...1)
        weights.hoursFit = try reader.double("matching", "weight_hours_fit", default: weights.hoursFit, range: 0...1)
        weights.flexibility = try reader.double("matching", "weight_flexibility", default: weights.flexibility, range: 0...1)
        weights.employerRelation = try reader.double("matching", "weight_employer_relation", default: weights.employerRelation, range: 0...1)
        weights.waitingTime = try reader.double("matching", "weight_waiting_time", default: weights.waitingTime, range: 0...1)
        let sum = weights.wishedOccupation + weights.interests + weights.experienceAndSkills + weights.distance + weights.hoursFit
            + weights.flexibility + weights.employerRelation + weights.waitingTime
        guard abs(sum - 1) < 1e-9 else {
            throw ConfigurationError(key: "matching.weight_*", source: "sum \(sum)", problem: "the weights must add up to 1")
        }
        self.weights = weights
        topPerParticipant = try reader.int("matching", "top_per_participant", default: 10, range: 1...100)
        topPerOffer = try reader.int("matching", "top_per_offer", default: 20, range: 1...500)
    }

    /// The matcher, with `evaluator` for supports.
    public func matcher(evaluator: SupportEvaluator) -> PairMatcher {
        PairMatcher(constraints: constraints, weights: weights, evaluator: evaluator, topPerParticipant: topPerParticipant,
                    topPerOffer: topPerOffer)
    }
}
