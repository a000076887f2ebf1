import Foundation

/// Recomputes a förbund's proposed pairs from scratch by the rule of `MatchingRules.md` and
/// compares them with what is stored: the proof that the incremental jobs left nobody out.
public struct MatchingVerifier: Sendable {
    /// A pair, by ids.
    public typealias Pair = PairID

    /// A stored score that is no longer what the pair scores now.
    public struct StaleScore: Sendable, Codable {
        /// The pair.
        public var pair: Pair
        /// The score stored.
        public var stored: Double
        /// The score as of the verification's time.
        public var now: Double
    }

    /// What a verification found.
    public struct Report: Sendable, Codable {
        /// The förbund.
        public var forbundID: UUID
        /// The time it was verified as of.
        public var at: Date
        /// Seeking participants read.
        public var participants: Int
        /// Open offers read.
        public var offers: Int
        /// Proposed pairs stored.
        public var stored: Int
        /// Proposed pairs the rule gives.
        public var expected: Int
        /// Pairs the rule proposes that are not stored as proposed.
        public var missing: [Pair]
        /// Pairs stored as proposed that the rule does not propose.
        public var extra: [Pair]
        /// How many proposed pairs have a score that drifted (waiting time, an employer's record).
        public var staleCount: Int
        /// The first of them, at most `staleListed`.
        public var stale: [StaleScore]
        /// Seconds the recomputation took.
        public var seconds: Double
        /// Matching jobs of the förbund waiting or running when the snapshot was taken: until they
        /// have run, what they will change shows as missing or extra.
        public var pendingJobs = 0

        /// Nothing missing and nothing extra (stale scores alone are not a failure).
        public var holds: Bool { missing.isEmpty && extra.isEmpty }

        enum CodingKeys: String, CodingKey {
            case forbundID = "forbund_id", at, participants, offers, stored, expected, missing, extra
            case staleCount = "stale_count", stale, seconds, pendingJobs = "pending_jobs", holds
        }

        /// Encodes ids in lower case, with `holds`.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeID(forbundID, forKey: .forbundID)
            try c.encode(at, forKey: .at)
            try c.encode(participants, forKey: .participants)
            try c.encode(offers, forKey: .offers)
            try c.encode(stored, forKey: .stored)
            try c.encode(expected, forKey: .expected)
            try c.encode(missing, forKey: .missing)
            try c.encode(extra, forKey: .extra)
            try c.encode(staleCount, forKey: .staleCount)
            try c.encode(stale, forKey: .stale)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(pendingJobs, forKey: .pendingJobs)
            try c.encode(holds, forKey: .holds)
        }

        /// A report decoded from its JSON (matchctl's `--json`).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            forbundID = try c.decode(UUID.self, forKey: .forbundID)
            at = try c.decode(Date.self, forKey: .at)
            participants = try c.decode(Int.self, forKey: .participants)
            offers = try c.decode(Int.self, forKey: .offers)
            stored = try c.decode(Int.self, forKey: .stored)
            expected = try c.decode(Int.self, forKey: .expected)
            missing = try c.decode([Pair].self, forKey: .missing)
            extra = try c.decode([Pair].self, forKey: .extra)
            staleCount = try c.decode(Int.self, forKey: .staleCount)
            stale = try c.decode([StaleScore].self, forKey: .stale)
            seconds = try c.decode(Double.self, forKey: .seconds)
            pendingJobs = try c.decode(Int.self, forKey: .pendingJobs)
        }

        init(forbundID: UUID, at: Date, participants: Int, offers: Int, stored: Int, expected: Int, missing: [Pair], extra: [Pair],
             staleCount: Int, stale: [StaleScore], seconds: Double) {
            self.forbundID = forbundID
            self.at = at
            self.participants = participants
            self.offers = offers
            self.stored = stored
            self.expected = expected
            self.missing = missing
            self.extra = extra
            self.staleCount = staleCount
            self.stale = stale
            self.seconds = seconds
        }
    }

    /// Stale scores listed in a report (all are counted).
    public static let staleListed = 100
    /// Scores closer than this are equal.
    public static let tolerance = 1e-9

    let matcher: PairMatcher

    /// A verifier applying `matcher`'s constraints, weights and top list sizes.
    public init(matcher: PairMatcher = PairMatcher()) {
        self.matcher = matcher
    }

    /// Verifies one förbund as of `at`, reading one snapshot (a repeatable-read transaction, so
    /// jobs committing meanwhile cannot make it disagree with itself); the bulk read of
    /// participants is audited under `actor` in a transaction of its own.
    public func verify(forbundID: UUID, at: Date = Date(), actor: String, reason: String,
                       pool: PostgresPool) async throws -> Report {
        try await pool.withTransaction { tx in
            try await AuditLog().record(.bulkRead, entity: ParticipantStore.entity, id: nil, forbundID: forbundID, actor: actor,
                                        reason: reason, in: tx)
        }
        return try await pool.withConnection { connection in
            // The snapshot is taken while no matching job of the förbund runs: the förbund's lock is
            // held (at session level) until the transaction's first read, then given back, so jobs
            // wait for no more than that read.
            let lock: PostgresQuery = "\(MatchingTransaction.lockClass), hashtext(\(forbundID.uuidString.lowercased()))"
            try await connection.execute("SELECT pg_advisory_lock(\(lock))")
            var locked = true
            do {
                let report = try await connection.withTransaction { tx in
                    try await tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    let pending = try await tx.query("""
                        SELECT count(*) AS n FROM jobs WHERE queue = \(MatchingJobs.queue)
                        AND state IN ('available', 'scheduled', 'retryable', 'running') AND args->>'forbund_id' = \(forbundID.uuidString.lowercased())
                        """)[0].decode(Int.self, "n")
                    try await tx.execute("SELECT pg_advisory_unlock(\(lock))")
                    locked = false
                    var report = try await verify(forbundID: forbundID, at: at, on: tx.connection)
                    report.pendingJobs = pending
                    return report
                }
                return report
            } catch {
                if locked { _ = try? await connection.execute("SELECT pg_advisory_unlock(\(lock))") }
                throw error
            }
        }
    }

    func verify(forbundID: UUID, at: Date, on connection: PostgresConnection) async throws -> Report {
        let started = ContinuousClock.now
        let today = CalendarDate.inSweden(at)
        let snapshot = MatchingSnapshot()
        let offers = try await snapshot.offers(forbundID: forbundID, today: today, on: connection)
        let current = try await snapshot.participants(forbundID: forbundID, today: today, on: connection)
        let matched = try await snapshot.matchedWaitingDays(forbundID: forbundID, on: connection)
        let supports = try await SupportCatalogStore().definitions(on: connection)
        let index = OfferIndex(offers)
        let people = Dictionary(current.map { ($0.0.id, $0.0) }, uniquingKeysWith: { a, _ in a })
        var held = Set<Pair>()
        for rejection in try await SuggestionRejections().list(forbundID: forbundID, on: connection) {
            let pair = Pair(participantID: rejection.participantID, offerID: rejection.offerID)
            if let participant = people[rejection.participantID], let offer = index.offer(rejection.offerID),
               !RejectionSnapshot.stillHolds(rejection.reason, stored: rejection.facts, participant: participant, offer: offer.offer) {
                continue
            }
            held.insert(pair)
        }
        for row in try await connection.query("""
            SELECT participant_id, offer_id FROM suggestions WHERE forbund_id = \(forbundID) AND state IN \(SuggestionState.sqlList(SuggestionState.reviewed))
            """) {
            held.insert(Pair(participantID: try row.decode(UUID.self, "participant_id"), offerID: try row.decode(UUID.self, "offer_id")))
        }
        var stored: [Pair: Double] = [:]
        for row in try await connection.query("""
            SELECT participant_id, offer_id, score FROM suggestions WHERE forbund_id = \(forbundID) AND state = 'proposed'
            """) {
            stored[Pair(participantID: try row.decode(UUID.self, "participant_id"), offerID: try row.decode(UUID.self, "offer_id"))] =
                try row.decode(Double.self, "score")
        }

        let scored = current.map { ($0.0, waitingDays: matched[$0.0.id] ?? $0.waitingDays) }
        let expected = await Self.expected(scored, index: index, supports: supports, today: today, held: held, matcher: matcher)
        let missing = expected.keys.filter { stored[$0] == nil }.sorted(by: Self.idOrder)
        let extra = stored.keys.filter { expected[$0] == nil }.sorted(by: Self.idOrder)

        // Drift: the score a pair would get now, with the waiting time as of `at`.
        let waitingNow = Dictionary(current.map { ($0.0.id, $0.waitingDays) }, uniquingKeysWith: { a, _ in a })
        var stale: [StaleScore] = []
        var staleCount = 0
        // In participant order, so each participant is prepared once; offers come prepared from the index.
        var person: PreparedParticipant?
        for (pair, score) in stored.sorted(by: { Self.idOrder($0.key, $1.key) }) where expected[pair] != nil {
            guard let participant = people[pair.participantID], let offer = index.prepared(pair.offerID) else { continue }
            if person?.id != participant.id {
                person = PreparedParticipant(participant, today: today, constraints: matcher.constraints)
            }
            guard let person else { continue }
            let now = matcher.scorer.total(person, offer, waitingDays: waitingNow[pair.participantID] ?? 0)
            if abs(now - score) > Self.tolerance || abs((expected[pair] ?? score) - score) > Self.tolerance {
                staleCount += 1
                if stale.count < Self.staleListed { stale.append(StaleScore(pair: pair, stored: score, now: now)) }
            }
        }
        let elapsed = ContinuousClock.now - started
        return Report(forbundID: forbundID, at: at, participants: current.count, offers: offers.count, stored: stored.count,
                      expected: expected.count, missing: missing, extra: extra, staleCount: staleCount, stale: stale,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static func idOrder(_ a: Pair, _ b: Pair) -> Bool {
        (IDOrder(a.participantID), IDOrder(a.offerID)) < (IDOrder(b.participantID), IDOrder(b.offerID))
    }

    /// The rule, computed whole: every participant's top N among the offers they pass, and every
    /// offer's top M among the participants who pass it, pairs in `held` left out. The
    /// participants are split over the cores; each part keeps, per offer, only its best M.
    static func expected(_ participants: [(Participant, waitingDays: Int)], index: OfferIndex, supports: [SupportDefinition],
                         today: CalendarDate, held: Set<Pair>, matcher: PairMatcher) async -> [Pair: Double] {
        let heldOffers = Dictionary(grouping: held, by: \.participantID).mapValues { Set($0.map(\.offerID)) }
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, participants.count / 500 + 1))
        let size = (participants.count + parts - 1) / max(parts, 1)
        let partial = await withTaskGroup(of: Part.self) { group in
            for start in stride(from: 0, to: participants.count, by: max(size, 1)) {
                let slice = Array(participants[start..<min(start + size, participants.count)])
                group.addTask {
                    var part = Part(m: matcher.topPerOffer)
                    for (participant, waiting) in slice {
                        let person = PreparedParticipant(participant, today: today, constraints: matcher.constraints)
                        let memo = SupportMemo(evaluator: matcher.evaluator, supports: supports, person: person)
                        let nearby = index.candidates(latitude: person.latitude, longitude: person.longitude,
                                                      radiusKm: person.maxCommuteKm / matcher.constraints.detourFactor)
                        let passed = matcher.passing(person, candidates: nearby, waitingDays: waiting,
                                                     excluding: heldOffers[participant.id] ?? [], memo: memo)
                        for kept in PairMatcher.best(passed, count: matcher.topPerParticipant, by: { ($0.total, $0.offer.order) }) {
                            part.pairs[Pair(participantID: participant.id, offerID: kept.offer.id)] = kept.total
                        }
                        for (total, offer) in passed {
                            part.offer(offer.id, RankKey(score: total, order: person.order), participant.id)
                        }
                    }
                    return part
                }
            }
            var all: [Part] = []
            for await part in group { all.append(part) }
            return all
        }
        var pairs: [Pair: Double] = [:]
        var merged = Part(m: matcher.topPerOffer)
        for part in partial {
            pairs.merge(part.pairs) { a, _ in a }
            for (offerID, list) in part.best { for entry in list { merged.offer(offerID, entry.key, entry.participant) } }
        }
        for (offerID, list) in merged.best {
            for entry in list { pairs[Pair(participantID: entry.participant, offerID: offerID)] = entry.key.score }
        }
        return pairs
    }

    /// One part's result: its participants' top N pairs, and each offer's best M of its participants.
    struct Part: Sendable {
        let m: Int
        var pairs: [Pair: Double] = [:]
        var best: [UUID: [(key: RankKey, participant: UUID)]] = [:]

        init(m: Int) { self.m = m }

        mutating func offer(_ offerID: UUID, _ key: RankKey, _ participant: UUID) {
            var list = best[offerID, default: []]
            if list.count == m, let last = list.last, !(key < last.key) { return }
            list.insert((key, participant), at: list.firstIndex { key < $0.key } ?? list.count)
            if list.count > m { list.removeLast() }
            best[offerID] = list
        }
    }
}
