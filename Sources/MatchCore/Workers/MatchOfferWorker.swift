import Foundation

/// Runs `match.offer`: every pair of the offer is decided by the rule of `MatchingRules.md` (its
/// top M, or a place in a participant's top N); an offer that is no longer open has its proposed
/// suggestions withdrawn and their participants rematched.
public struct MatchOfferWorker: JobWorker {
    public typealias Kind = MatchingJobs.Offer
    let pool: PostgresPool
    let matcher: PairMatcher
    let clock: any JobClock
    let hooks: MatchingHooks

    /// A worker matching through `pool` with `matcher`; `hooks` are for tests.
    public init(pool: PostgresPool, matcher: PairMatcher = PairMatcher(), clock: any JobClock = SystemJobClock(),
                hooks: MatchingHooks = MatchingHooks()) {
        self.pool = pool
        self.matcher = matcher
        self.clock = clock
        self.hooks = hooks
    }

    public func work(_ target: MatchingJobs.Target, context: JobContext) async throws -> JobOutcome {
        let today = CalendarDate.inSweden(clock.now())
        try await MatchingTransaction.run(pool: pool, forbundID: target.forbundID, kind: .offer) { tx in
            try await match(target, today: today, context: context, in: tx)
        }
        return .complete
    }

    func match(_ target: MatchingJobs.Target, today: CalendarDate, context: JobContext, in tx: PostgresTransaction) async throws {
        let snapshot = MatchingSnapshot()
        let forbundID = target.forbundID
        // Status changes update this row: while the job holds it they wait, so a pause or close
        // either came before this read or withdraws what this job proposes.
        guard try await !tx.query("""
            SELECT id FROM placement_offers WHERE forbund_id = \(forbundID) AND id = \(target.id) FOR SHARE
            """).isEmpty,
              let offer = try await snapshot.offers(forbundID: forbundID, only: target.id, today: today, on: tx.connection).first
        else { return }
        guard offer.offer.status == .open else {
            try await SuggestionStore().withdrawAll(forbundID: forbundID, offerID: offer.offer.id, reason: "offer_\(offer.offer.status.rawValue)",
                                                    actor: MatchingActor.name, meta: context.meta, in: tx)
            return
        }
        // Each participant is scored with the waiting days their suggestions were made with; one
        // never matched yet gets today's, recorded, so every later job scores them with it too.
        var matchedWaiting = try await snapshot.matchedWaitingDays(forbundID: forbundID, on: tx.connection)
        let current = try await snapshot.participants(forbundID: forbundID, today: today, on: tx.connection)
        let unrecorded = current.filter { matchedWaiting[$0.0.id] == nil }
        if !unrecorded.isEmpty {
            try await tx.execute("""
                INSERT INTO participant_matching (forbund_id, participant_id, waiting_days)
                SELECT \(forbundID), id, days::int FROM unnest(\(unrecorded.map(\.0.id))::uuid[],
                                                           \(unrecorded.map { String(max(0, $0.waitingDays)) })::text[]) AS u(id, days)
                ON CONFLICT (forbund_id, participant_id) DO NOTHING
                """)
            matchedWaiting = try await snapshot.matchedWaitingDays(forbundID: forbundID, on: tx.connection)
        }
        var participants = current.map { ($0.0, waitingDays: matchedWaiting[$0.0.id] ?? $0.waitingDays) }
        // An automated read of many participants is audited once per run.
        try await AuditLog().record(.bulkRead, entity: ParticipantStore.entity, id: nil, forbundID: forbundID,
                                    actor: MatchingActor.name, reason: "match.offer \(offer.offer.id.uuidString.lowercased())",
                                    requestID: context.meta.requestID, in: tx)
        let supports = try await SupportCatalogStore().definitions(on: tx.connection)
        var byID = Dictionary(participants.map { ($0.0.id, $0.0) }, uniquingKeysWith: { a, _ in a })
        let rejections = RejectionVerdicts(
            try await SuggestionRejections().list(forbundID: forbundID, offerID: offer.offer.id, on: tx.connection),
            otherSide: \.participantID, current: { rejection in byID[rejection.participantID].map { ($0, offer.offer) } })
        let reviewed = try await tx.query("""
            SELECT participant_id FROM suggestions WHERE forbund_id = \(forbundID) AND offer_id = \(offer.offer.id)
            AND state IN \(SuggestionState.sqlList(SuggestionState.reviewed))
            """).map { try $0.decode(UUID.self, "participant_id") }
        let excluded = rejections.excluded.union(reviewed)
        let stored = try await ProposedRanks().scores(of: .offer, offer.offer.id, forbundID: forbundID, on: tx.connection)
        let prepared = PreparedOffer(offer)
        var passed = matcher.passing(prepared, participants: participants, supports: supports, today: today, excluding: excluded)
        await hooks.betweenReadAndWrite?(Kind.name, target)

        // Decide, then re-read under lock every participant about to be proposed: one who changed
        // since the read (a consent withdrawn, seeking stopped, any field) is scored again and the
        // decision is made again, until every proposed participant is locked as read. Locks are
        // taken in id order; a consent or seeking write waits for them.
        var locked = Set<UUID>()
        var kth: [UUID: ProposedRanks.Kth] = [:]
        var proposed: [PairMatcher.PassingParticipant] = []
        while true {
            let topM = Set(PairMatcher.best(passed, count: matcher.topPerOffer) { ($0.total, $0.person.order) }.map(\.person.id))
            kth = try await ProposedRanks().kth(of: .participant, Array(Set(passed.map(\.person.id)).union(stored.keys)),
                                                forbundID: forbundID, except: offer.offer.id, k: matcher.topPerParticipant,
                                                on: tx.connection)
            proposed = passed.filter {
                topM.contains($0.person.id) || RankKey(score: $0.total, order: prepared.order).makesTop(against: kth[$0.person.id]?.key)
            }
            let unlocked = proposed.map(\.person.id).filter { !locked.contains($0) }
            guard !unlocked.isEmpty else { break }
            locked.formUnion(unlocked)
            let current = try await lockedParticipants(forbundID: forbundID, ids: unlocked, in: tx)
            let changed = unlocked.filter { current[$0]?.version != byID[$0]?.version }
            guard !changed.isEmpty else { break }
            let changedSet = Set(changed)
            let waited = Dictionary(participants.map { ($0.0.id, $0.waitingDays) }, uniquingKeysWith: { a, _ in a })
            participants.removeAll { changedSet.contains($0.0.id) }
            passed.removeAll { changedSet.contains($0.person.id) }
            let rescored = changed.compactMap { id in current[id].map { ($0, waitingDays: matchedWaiting[id] ?? waited[id] ?? 0) } }
            participants += rescored
            passed += matcher.passing(prepared, participants: rescored, supports: supports, today: today, excluding: excluded)
            for id in changed { byID[id] = current[id] }
        }
        func hadPlace(_ participantID: UUID) -> Bool {
            stored[participantID].map { RankKey(score: $0, order: prepared.order).makesTop(against: kth[participantID]?.key) } ?? false
        }
        var pushedOut: [PairID] = []
        var placesLeft: [UUID] = []
        for candidate in passed {
            let id = candidate.person.id
            let hasPlace = RankKey(score: candidate.total, order: prepared.order).makesTop(against: kth[id]?.key)
            // A newcomer to the participant's top N pushes their N-th out of it.
            if hasPlace, !hadPlace(id), let pushed = kth[id] { pushedOut.append(PairID(participantID: id, offerID: pushed.other)) }
            // A place given up goes to an offer this job cannot see: the participant's own job finds it.
            if !hasPlace, hadPlace(id) { placesLeft.append(id) }
        }
        let passedIDs = Set(passed.map(\.person.id))
        placesLeft += stored.keys.filter { !passedIDs.contains($0) && hadPlace($0) }

        let pairs = proposed.map { matcher.suggestion($0.person, prepared, waitingDays: $0.waiting, memo: $0.memo) }
        try await SuggestionStore().apply(pairs, forbundID: forbundID, offerID: offer.offer.id,
                                          weights: matcher.scorer.weights, actor: MatchingActor.name, in: tx,
                                          reopened: rejections.reopened) { participantID in
            // A participant no longer among the seeking ones stopped seeking.
            byID[participantID].map { matcher.firstFailure($0, offer, supports: supports, today: today)?.rawValue }
                ?? ConstraintFailure.notSeeking.rawValue
        }
        let outOfBoth = try await ProposedRanks().inNeitherTop(pushedOut, forbundID: forbundID, n: matcher.topPerParticipant,
                                                               m: matcher.topPerOffer, on: tx.connection)
        try await SuggestionStore().withdraw(pairs: outOfBoth, forbundID: forbundID, reason: "not_in_top", actor: MatchingActor.name, in: tx)
        try await MatchingJobs.enqueue(try placesLeft.sorted { IDOrder($0) < IDOrder($1) }.map {
            try MatchingJobs.participant($0, forbundID: forbundID, meta: context.meta)
        }, in: tx)
    }

    /// The participants `ids` as committed now, share-locked in id order (the order every job takes
    /// participant rows in); an erased one is absent. The rows are locked by one statement and read
    /// by the next: a statement that waited for a lock still reads the other tables (consents) as
    /// of its start, and the next one sees what the writer it waited for committed.
    func lockedParticipants(forbundID: UUID, ids: [UUID], in tx: PostgresTransaction) async throws -> [UUID: Participant] {
        try await tx.execute("""
            SELECT id FROM participants WHERE forbund_id = \(forbundID) AND id = ANY(\(ids)::uuid[]) ORDER BY id FOR SHARE
            """)
        let rows = try await tx.query("""
            SELECT \(ParticipantStore.columns) FROM participants p WHERE p.forbund_id = \(forbundID) AND p.id = ANY(\(ids)::uuid[])
            """)
        var found: [UUID: Participant] = [:]
        for row in rows {
            let participant = try ParticipantStore.participant(row)
            found[participant.id] = participant
        }
        return found
    }
}
