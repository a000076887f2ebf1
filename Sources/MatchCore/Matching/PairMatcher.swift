import Foundation

/// A pair worth suggesting: its score with reasons and the supports that apply.
public struct SuggestedPair: Sendable, Hashable {
    /// The participant.
    public var participantID: UUID
    /// The offer.
    public var offerID: UUID
    /// The score and its components.
    public var score: PairScore
    /// The supports the pair is eligible for (shown beside the score, never in it).
    public var supports: [SupportEvaluator.Verdict]
}

/// An offer that failed, and which constraints: what would have to change.
public struct NearMiss: Sendable, Hashable {
    /// The offer.
    public var offerID: UUID
    /// The constraints it failed.
    public var failures: [ConstraintFailure]
}

/// The matching pipeline for one participant or one offer: constraints, then scores, ranked with
/// deterministic tie-breaks. Pure.
public struct PairMatcher: Sendable {
    /// The hard constraints.
    public var constraints: PairConstraints
    /// The scorer.
    public var scorer: PairScorer
    /// The support evaluator.
    public var evaluator: SupportEvaluator
    /// Suggestions kept per participant.
    public var topPerParticipant: Int
    /// Suggestions kept per offer.
    public var topPerOffer: Int
    /// Near misses listed for a participant with no suggestion.
    public var nearMisses: Int

    /// A matcher with the documented defaults.
    public init(constraints: PairConstraints = PairConstraints(), weights: ScoreWeights = ScoreWeights(),
                evaluator: SupportEvaluator = SupportEvaluator(), topPerParticipant: Int = 10, topPerOffer: Int = 20,
                nearMisses: Int = 3) {
        self.constraints = constraints
        self.scorer = PairScorer(weights: weights, constraints: constraints)
        self.evaluator = evaluator
        self.topPerParticipant = topPerParticipant
        self.topPerOffer = topPerOffer
        self.nearMisses = nearMisses
    }

    /// One pair: the suggestion, or the constraints it fails.
    public func evaluate(_ participant: Participant, _ offer: MatchOffer, supports: [SupportDefinition], today: CalendarDate,
                         waitingDays: Int) -> Result<SuggestedPair, NearMiss> {
        let situation = SupportEvaluator.Situation(
            facts: participant.fields.facts, offerType: offer.offer.fields.type, monthlyWage: offer.offer.fields.monthlyWage,
            hoursMax: offer.offer.fields.hoursMax, employerSector: offer.employerSector, startDate: offer.offer.fields.startDate)
        // Supports are evaluated once, and only when a constraint or the suggestion needs them.
        var evaluated: [SupportEvaluator.Verdict]?
        func applying() -> [SupportEvaluator.Verdict] {
            if let evaluated { return evaluated }
            let verdicts = evaluator.evaluate(supports, for: situation).filter(\.applies)
            evaluated = verdicts
            return verdicts
        }
        let failures = constraints.failures(participant, offer, today: today, applyingSupports: { Set(applying().map(\.code)) })
        guard failures.isEmpty else { return .failure(NearMiss(offerID: offer.offer.id, failures: failures)) }
        let verdicts = applying()
        return .success(SuggestedPair(participantID: participant.id, offerID: offer.offer.id,
                                      score: scorer.score(participant, offer, waitingDays: waitingDays), supports: verdicts))
    }

    /// What matching one participant or one offer found.
    public struct Outcome: Sendable, Hashable {
        /// The best pairs, ranked.
        public var suggestions: [SuggestedPair]
        /// Every pair that failed a constraint, keyed by the other side's id (offer for a
        /// participant, participant for an offer), with the constraints it failed.
        public var misses: [UUID: [ConstraintFailure]]
        /// For a participant with no suggestion: the offers that failed fewest constraints.
        public var nearMisses: [NearMiss]
    }

    /// A participant's best offers, and when none passes, the nearest misses.
    public func match(_ participant: Participant, offers: [MatchOffer], supports: [SupportDefinition], today: CalendarDate,
                      waitingDays: Int) -> Outcome {
        var passed: [SuggestedPair] = []
        var missed: [NearMiss] = []
        for offer in offers {
            switch evaluate(participant, offer, supports: supports, today: today, waitingDays: waitingDays) {
            case .success(let pair): passed.append(pair)
            case .failure(let miss): missed.append(miss)
            }
        }
        let ranked = Array(Self.ranked(passed).prefix(topPerParticipant))
        let nearest = ranked.isEmpty
            ? Array(missed.sorted { ($0.failures.count, $0.offerID.uuidString) < ($1.failures.count, $1.offerID.uuidString) }.prefix(nearMisses))
            : []
        return Outcome(suggestions: ranked, misses: Dictionary(missed.map { ($0.offerID, $0.failures) }, uniquingKeysWith: { a, _ in a }),
                       nearMisses: nearest)
    }

    /// An offer's best participants.
    public func match(_ offer: MatchOffer, participants: [(Participant, waitingDays: Int)], supports: [SupportDefinition],
                      today: CalendarDate) -> Outcome {
        var passed: [SuggestedPair] = []
        var misses: [UUID: [ConstraintFailure]] = [:]
        for (participant, waiting) in participants {
            switch evaluate(participant, offer, supports: supports, today: today, waitingDays: waiting) {
            case .success(let pair): passed.append(pair)
            case .failure(let miss): misses[participant.id] = miss.failures
            }
        }
        return Outcome(suggestions: Array(Self.ranked(passed).prefix(topPerOffer)), misses: misses, nearMisses: [])
    }

    /// Highest score first; ties by offer id, then participant id, so equal input gives equal output.
    static func ranked(_ pairs: [SuggestedPair]) -> [SuggestedPair] {
        pairs.sorted {
            ($1.score.total, $0.offerID.uuidString, $0.participantID.uuidString)
                < ($0.score.total, $1.offerID.uuidString, $1.participantID.uuidString)
        }
    }
}

extension NearMiss: Error {}
