import Foundation

/// Runs `match.participant`: every pair of the participant is decided by the rule of
/// `MatchingRules.md` (their top N, or a place in an offer's top M), in one transaction under the
/// förbund's matching lock.
public struct MatchParticipantWorker: JobWorker {
    public typealias Kind = MatchingJobs.Participant
    let pool: PostgresPool
    let matcher: PairMatcher
    let clock: any JobClock
    let offerIndex: LiveOfferIndex?
    let hooks: MatchingHooks

    /// A worker matching through `pool` with `matcher`, against `offerIndex` when given (else the
    /// open offers are read from the tables for each job); `hooks` are for tests.
    public init(pool: PostgresPool, matcher: PairMatcher = PairMatcher(), clock: any JobClock = SystemJobClock(),
                offerIndex: LiveOfferIndex? = nil, hooks: MatchingHooks = MatchingHooks()) {
        self.pool = pool
        self.matcher = matcher
        self.clock = clock
        self.offerIndex = offerIndex
        self.hooks = hooks
    }

    public func work(_ target: MatchingJobs.Target, context: JobContext) async throws -> JobOutcome {
        let today = CalendarDate.inSweden(clock.now())
        try await MatchingTransaction.run(pool: pool, forbundID: target.forbundID, kind: .participant) { tx in
            try await match(target, today: today, context: context, in: tx)
        }
        return .complete
    }

    func match(_ target: MatchingJobs.Target, today: CalendarDate, context: JobContext, in tx: PostgresTransaction) async throws {
        let snapshot = MatchingSnapshot()
        let forbundID = target.forbundID
        // Consent and seeking writes update this row: while the job holds it they wait, so a
        // withdrawal either came before this read or withdraws what this job proposes.
        guard try await !tx.query("""
            SELECT id FROM participants WHERE forbund_id = \(forbundID) AND id = \(target.id) FOR SHARE
            """).isEmpty,
              let (participant, waiting) = try await snapshot.participants(forbundID: forbundID, only: target.id, today: today,
                                                                           on: tx.connection).first
        else { return }  // Erased since the job was enqueued: nothing to match.
        try await AuditLog().record(.read, entity: ParticipantStore.entity, id: participant.id.uuidString.lowercased(),
                                    forbundID: forbundID, actor: MatchingActor.name, reason: "matching",
                                    requestID: context.meta.requestID, in: tx)
        // Every stored score of this participant is made with this number (see migration 0009).
        try await tx.execute("""
            INSERT INTO participant_matching (forbund_id, participant_id, waiting_days, matched_at)
            VALUES (\(forbundID), \(participant.id), \(max(0, waiting)), now())
            ON CONFLICT (forbund_id, participant_id) DO UPDATE SET waiting_days = excluded.waiting_days, matched_at = now()
            """)
        let index: OfferIndex
        if let offerIndex {
            let version = try await snapshot.offerIndexVersion(forbundID: forbundID, on: tx.connection)
            index = try await offerIndex.index(forbundID: forbundID, atLeast: version, today: today, on: tx.connection)
        } else {
            index = OfferIndex(try await snapshot.offers(forbundID: forbundID, today: today, on: tx.connection))
        }
        let supports = try await SupportCatalogStore().definitions(on: tx.connection)
        let rejections = RejectionVerdicts(
            try await SuggestionRejections().list(forbundID: forbundID, participantID: participant.id, on: tx.connection),
            otherSide: \.offerID, current: { rejection in index.offer(rejection.offerID).map { (participant, $0.offer) } })
        let reviewed = try await tx.query("""
            SELECT offer_id FROM suggestions WHERE forbund_id = \(forbundID) AND participant_id = \(participant.id)
            AND state IN \(SuggestionState.sqlList(SuggestionState.reviewed))
            """).map { try $0.decode(UUID.self, "offer_id") }
        let stored = try await ProposedRanks().scores(of: .participant, participant.id, forbundID: forbundID, on: tx.connection)

        let person = PreparedParticipant(participant, today: today, constraints: matcher.constraints)
        let memo = SupportMemo(evaluator: matcher.evaluator, supports: supports, person: person)
        let nearby = index.candidates(latitude: person.latitude, longitude: person.longitude,
                                      radiusKm: person.maxCommuteKm / matcher.constraints.detourFactor)
        let passed = matcher.passing(person, candidates: nearby, waitingDays: waiting,
                                     excluding: rejections.excluded.union(reviewed), memo: memo)
        let topN = Set(PairMatcher.best(passed, count: matcher.topPerParticipant) { ($0.total, $0.offer.order) }.map(\.offer.id))
        // Each offer's M-th best other participant, as stored: whether this one has a place there.
        let kth = try await ProposedRanks().kth(of: .offer, Array(Set(passed.map(\.offer.id)).union(stored.keys)), forbundID: forbundID,
                                                except: participant.id, k: matcher.topPerOffer, on: tx.connection)
        func hadPlace(_ offerID: UUID) -> Bool {
            stored[offerID].map { RankKey(score: $0, order: person.order).makesTop(against: kth[offerID]?.key) } ?? false
        }
        var proposals: [SuggestedPair] = []
        var pushedOut: [PairID] = []
        var placesLeft: [UUID] = []
        for (total, offer) in passed {
            let hasPlace = RankKey(score: total, order: person.order).makesTop(against: kth[offer.id]?.key)
            if hasPlace || topN.contains(offer.id) { proposals.append(matcher.suggestion(person, offer, waitingDays: waiting, memo: memo)) }
            // A newcomer to the offer's top M pushes its M-th out of it.
            if hasPlace, !hadPlace(offer.id), let pushed = kth[offer.id] { pushedOut.append(PairID(participantID: pushed.other, offerID: offer.id)) }
            // A place given up goes to someone this job cannot see: the offer's own job finds them.
            if !hasPlace, hadPlace(offer.id) { placesLeft.append(offer.id) }
        }
        let passedIDs = Set(passed.map(\.offer.id))
        placesLeft += stored.keys.filter { !passedIDs.contains($0) && hadPlace($0) }

        await hooks.betweenReadAndWrite?(Kind.name, target)
        try await SuggestionStore().apply(proposals, forbundID: forbundID, participantID: participant.id,
                                          weights: matcher.scorer.weights, actor: MatchingActor.name, in: tx,
                                          reopened: rejections.reopened) { offerID in
            // An offer no longer among the open ones was paused, filled or closed.
            index.offer(offerID).map { matcher.firstFailure(person, $0, supports: supports)?.rawValue }
                ?? ConstraintFailure.offerNotOpen.rawValue
        }
        let outOfBoth = try await ProposedRanks().inNeitherTop(pushedOut, forbundID: forbundID, n: matcher.topPerParticipant,
                                                               m: matcher.topPerOffer, on: tx.connection)
        try await SuggestionStore().withdraw(pairs: outOfBoth, forbundID: forbundID, reason: "not_in_top", actor: MatchingActor.name, in: tx)
        try await MatchingJobs.enqueue(try placesLeft.sorted { IDOrder($0) < IDOrder($1) }.map {
            try MatchingJobs.offer($0, forbundID: forbundID, meta: context.meta)
        }, in: tx)
        context.logger.debug("matched participant", metadata: [
            "suggestions": "\(proposals.count)", "offers": "\(index.count)", "pushed_out": "\(outOfBoth.count)",
            "rematch_offers": "\(placesLeft.count)",
        ])
    }
}
