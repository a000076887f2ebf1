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
/// deterministic tie-breaks. Pure. A pair is first checked and scored as numbers only; sentences
/// and supports are worked out for the pairs kept.
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

    /// What matching one participant or one offer found.
    public struct Outcome: Sendable, Hashable {
        /// The best pairs, ranked.
        public var suggestions: [SuggestedPair]
        /// For a participant with no suggestion: the offers that failed fewest constraints.
        public var nearMisses: [NearMiss]
    }

    /// One pair: the suggestion, or the constraints it fails.
    public func evaluate(_ participant: Participant, _ offer: MatchOffer, supports: [SupportDefinition], today: CalendarDate,
                         waitingDays: Int) -> Result<SuggestedPair, NearMiss> {
        let person = PreparedParticipant(participant, today: today, constraints: constraints)
        let (prepared, memo, failures) = check(person, offer, supports: supports)
        guard failures.isEmpty else { return .failure(NearMiss(offerID: offer.offer.id, failures: failures.list)) }
        return .success(suggestion(person, prepared, waitingDays: waitingDays, memo: memo))
    }

    /// A participant's best offers among `offers`, and when none passes, the nearest misses.
    /// Offers in `excluding` (pairs a coordinator rejected) are left out.
    public func match(_ participant: Participant, offers: [MatchOffer], supports: [SupportDefinition], today: CalendarDate,
                      waitingDays: Int, excluding: Set<UUID> = []) -> Outcome {
        let person = PreparedParticipant(participant, today: today, constraints: constraints)
        let prepared = offers.map(PreparedOffer.init)
        return match(person, candidates: [prepared], supports: supports, waitingDays: waitingDays, excluding: excluding) {
            [OfferGroup(lowerBoundKm: 0, offers: prepared)]
        }
    }

    /// A participant's best offers among `candidates`; when none passes, the nearest misses among
    /// the groups `everyOffer` gives (offers outside the candidates are known to fail a constraint).
    func match(_ person: PreparedParticipant, candidates: [[PreparedOffer]], supports: [SupportDefinition], waitingDays: Int,
               excluding: Set<UUID>, everyOffer: () -> [OfferGroup]) -> Outcome {
        let memo = SupportMemo(evaluator: evaluator, supports: supports, person: person)
        let passed = passing(person, candidates: candidates, waitingDays: waitingDays, excluding: excluding, memo: memo)
        let kept = Self.best(passed, count: topPerParticipant) { ($0.total, $0.offer.order) }
        let suggestions = kept.map { suggestion(person, $0.offer, waitingDays: waitingDays, memo: memo) }
        return Outcome(suggestions: suggestions,
                       nearMisses: suggestions.isEmpty ? nearest(person, among: everyOffer(), excluding: excluding, memo: memo) : [])
    }

    /// Every offer among `candidates` the participant passes, with its total: the participant's
    /// whole ranking before it is cut to the top N.
    func passing(_ person: PreparedParticipant, candidates: [[PreparedOffer]], waitingDays: Int, excluding: Set<UUID>,
                 memo: SupportMemo) -> [(total: Double, offer: PreparedOffer)] {
        var passed: [(total: Double, offer: PreparedOffer)] = []
        for group in candidates {
            for offer in group where (excluding.isEmpty || !excluding.contains(offer.id))
                && constraints.failures(person, offer, applyingSupports: { memo.applyingCodes(offer) }).isEmpty {
                passed.append((scorer.total(person, offer, waitingDays: waitingDays), offer))
            }
        }
        return passed
    }

    /// A participant who passes an offer, scored, with what builds the suggestion if it is kept.
    struct PassingParticipant {
        var total: Double
        var person: PreparedParticipant
        var waiting: Int
        var memo: SupportMemo
    }

    /// Every participant who passes `offer`, with the total: the offer's whole ranking before it
    /// is cut to the top M.
    func passing(_ offer: PreparedOffer, participants: [(Participant, waitingDays: Int)], supports: [SupportDefinition],
                 today: CalendarDate, excluding: Set<UUID>) -> [PassingParticipant] {
        var passed: [PassingParticipant] = []
        for (participant, waiting) in participants where excluding.isEmpty || !excluding.contains(participant.id) {
            let person = PreparedParticipant(participant, today: today, constraints: constraints)
            let memo = SupportMemo(evaluator: evaluator, supports: supports, person: person)
            if constraints.failures(person, offer, applyingSupports: { memo.applyingCodes(offer) }).isEmpty {
                passed.append(PassingParticipant(total: scorer.total(person, offer, waitingDays: waiting), person: person,
                                                 waiting: waiting, memo: memo))
            }
        }
        return passed
    }

    /// An offer's best participants; those in `excluding` (pairs a coordinator rejected) are left out.
    public func match(_ offer: MatchOffer, participants: [(Participant, waitingDays: Int)], supports: [SupportDefinition],
                      today: CalendarDate, excluding: Set<UUID> = []) -> Outcome {
        let prepared = PreparedOffer(offer)
        let passed = passing(prepared, participants: participants, supports: supports, today: today, excluding: excluding)
        let kept = Self.best(passed, count: topPerOffer) { ($0.total, $0.person.order) }
        return Outcome(suggestions: kept.map { suggestion($0.person, prepared, waitingDays: $0.waiting, memo: $0.memo) },
                       nearMisses: [])
    }

    /// The first constraint a pair fails, nil when it passes: the reason a withdrawn suggestion records.
    public func firstFailure(_ participant: Participant, _ offer: MatchOffer, supports: [SupportDefinition],
                             today: CalendarDate) -> ConstraintFailure? {
        firstFailure(PreparedParticipant(participant, today: today, constraints: constraints), offer, supports: supports)
    }

    /// The same for a participant already prepared, as a worker asks it for each withdrawn row.
    func firstFailure(_ person: PreparedParticipant, _ offer: MatchOffer, supports: [SupportDefinition]) -> ConstraintFailure? {
        check(person, offer, supports: supports).failures.list.first
    }

    /// One pair through every constraint, with the prepared offer and the support answers the check used.
    private func check(_ person: PreparedParticipant, _ offer: MatchOffer,
                       supports: [SupportDefinition]) -> (offer: PreparedOffer, memo: SupportMemo, failures: ConstraintFailures) {
        let prepared = PreparedOffer(offer)
        let memo = SupportMemo(evaluator: evaluator, supports: supports, person: person)
        return (prepared, memo, constraints.failures(person, prepared) { memo.applyingCodes(prepared) })
    }

    func suggestion(_ person: PreparedParticipant, _ offer: PreparedOffer, waitingDays: Int, memo: SupportMemo) -> SuggestedPair {
        SuggestedPair(participantID: person.id, offerID: offer.id, score: scorer.score(person, offer, waitingDays: waitingDays),
                      supports: memo.applying(offer))
    }

    /// The `nearMisses` offers that fail fewest constraints, then the nearest (remote ones count as
    /// at home), then by id. Every offer fails at least one constraint here, so once the list holds
    /// offers that fail one, the search stops at the first group farther than its farthest. The
    /// support check, the dear one, runs only for an offer that could still make the list.
    func nearest(_ person: PreparedParticipant, among groups: [OfferGroup], excluding: Set<UUID>, memo: SupportMemo) -> [NearMiss] {
        guard nearMisses > 0 else { return [] }
        typealias Entry = (count: Int, distance: Double, order: IDOrder, offer: PreparedOffer, failures: ConstraintFailures)
        var kept: [Entry] = []
        func before(_ a: Entry, _ b: Entry) -> Bool { (a.count, a.distance, a.order) < (b.count, b.distance, b.order) }
        for group in groups {
            if kept.count == nearMisses, kept[kept.count - 1].count == 1,
               group.lowerBoundKm * constraints.detourFactor > kept[kept.count - 1].distance { break }
            for offer in group.offers where excluding.isEmpty || !excluding.contains(offer.id) {
                var failures = constraints.failuresBesideSupport(person, offer)
                let distance = offer.remote ? 0 : constraints.distanceKm(person, offer)
                var entry: Entry = (failures.count, distance, offer.order, offer, failures)
                if kept.count == nearMisses, !before(entry, kept[kept.count - 1]) { continue }
                if !offer.neededSupports.isEmpty && !offer.neededSupports.isSubset(of: memo.applyingCodes(offer)) {
                    failures.insert(.init(.support))
                    entry = (failures.count, distance, offer.order, offer, failures)
                    if kept.count == nearMisses, !before(entry, kept[kept.count - 1]) { continue }
                }
                kept.insert(entry, at: kept.firstIndex { before(entry, $0) } ?? kept.count)
                if kept.count > nearMisses { kept.removeLast() }
            }
        }
        return kept.map { NearMiss(offerID: $0.offer.id, failures: $0.failures.list) }
    }

    /// The `count` highest entries by score, ties by id: a partial sort, since most pairs that
    /// pass are not kept.
    static func best<Entry>(_ entries: [Entry], count: Int, by key: (Entry) -> (Double, IDOrder)) -> [Entry] {
        func before(_ a: Entry, _ b: Entry) -> Bool {
            let (ka, kb) = (key(a), key(b))
            return ka.0 != kb.0 ? ka.0 > kb.0 : ka.1 < kb.1
        }
        guard entries.count > count * 4 else { return Array(entries.sorted(by: before).prefix(count)) }
        var kept: [Entry] = []
        kept.reserveCapacity(count + 1)
        for entry in entries {
            if kept.count == count, !before(entry, kept[count - 1]) { continue }
            let position = kept.firstIndex { before(entry, $0) } ?? kept.count
            kept.insert(entry, at: position)
            if kept.count > count { kept.removeLast() }
        }
        return kept
    }
}

/// The supports that apply to one participant with each offer, remembered by the offer's side of
/// the situation: offers of one type, wage, hours, sector and start share their answers.
final class SupportMemo {
    private struct OfferSide: Hashable {
        var type: PlacementType
        var monthlyWage: Int?
        var hoursMax: Int
        var sector: EmployerSector
        var startDate: CalendarDate
    }

    private let evaluator: SupportEvaluator
    private let supports: [SupportDefinition]
    private let facts: SupportFacts
    private var verdicts: [OfferSide: [SupportEvaluator.Verdict]] = [:]
    private var codes: [OfferSide: Set<String>] = [:]

    init(evaluator: SupportEvaluator, supports: [SupportDefinition], person: PreparedParticipant) {
        self.evaluator = evaluator
        self.supports = supports
        self.facts = person.source.fields.facts
    }

    private func side(_ offer: PreparedOffer) -> OfferSide {
        let fields = offer.source.offer.fields
        return OfferSide(type: fields.type, monthlyWage: fields.monthlyWage, hoursMax: fields.hoursMax, sector: offer.sector,
                         startDate: fields.startDate)
    }

    private func situation(_ side: OfferSide) -> SupportEvaluator.Situation {
        SupportEvaluator.Situation(facts: facts, offerType: side.type, monthlyWage: side.monthlyWage, hoursMax: side.hoursMax,
                                   employerSector: side.sector, startDate: side.startDate)
    }

    /// The supports that apply with `offer`, with amounts and durations: for the pairs kept.
    func applying(_ offer: PreparedOffer) -> [SupportEvaluator.Verdict] {
        let key = side(offer)
        if let known = verdicts[key] { return known }
        let found = evaluator.evaluate(supports, for: situation(key)).filter(\.applies)
        verdicts[key] = found
        return found
    }

    /// The codes of the supports that apply with `offer`: for the constraint check.
    func applyingCodes(_ offer: PreparedOffer) -> Set<String> {
        let key = side(offer)
        if let known = codes[key] { return known }
        let found = evaluator.applyingCodes(supports, for: situation(key))
        codes[key] = found
        return found
    }
}

extension NearMiss: Error {}

extension PairMatcher {
    /// A participant's best offers, evaluating only the offers within commute reach (and remote
    /// ones). Gives the same suggestions as scanning every offer; when none passes, the nearest
    /// misses come from every offer, so they are the same too.
    public func match(_ participant: Participant, index: OfferIndex, supports: [SupportDefinition], today: CalendarDate,
                      waitingDays: Int, excluding: Set<UUID> = []) -> Outcome {
        let person = PreparedParticipant(participant, today: today, constraints: constraints)
        // Great-circle reach: the commute limit is on distance × detour factor.
        let reach = person.maxCommuteKm / constraints.detourFactor
        let nearby = index.candidates(latitude: person.latitude, longitude: person.longitude, radiusKm: reach)
        return match(person, candidates: nearby, supports: supports, waitingDays: waitingDays, excluding: excluding) {
            index.groupsByDistance(latitude: person.latitude, longitude: person.longitude)
        }
    }

    /// The same without the cells: every offer in the index is a candidate. The baseline the
    /// index is measured against (`matchctl bench match`); the result is the same.
    public func matchScanningEveryOffer(_ participant: Participant, index: OfferIndex, supports: [SupportDefinition],
                                        today: CalendarDate, waitingDays: Int) -> Outcome {
        let person = PreparedParticipant(participant, today: today, constraints: constraints)
        return match(person, candidates: index.everyGroup, supports: supports, waitingDays: waitingDays, excluding: []) {
            index.groupsByDistance(latitude: person.latitude, longitude: person.longitude)
        }
    }
}
