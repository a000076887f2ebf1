import Foundation

/// Marks, for each participant, the suggestion the market-wide assignment chose ("recommended"),
/// so scarce offers are not all pointed at the same few people. The ranked list stays as it is.
public struct MarketRebalance: Sendable {
    /// What a run did in one förbund.
    public struct Summary: Sendable, Codable {
        /// Proposed suggestions considered.
        public var suggestions: Int
        /// Recommended after the run.
        public var recommended: Int
        /// The total score of the recommended pairs.
        public var totalScore: Double
    }

    /// A rebalancer.
    public init() {}

    /// Solves one förbund's market in one transaction.
    public func run(forbundID: UUID, in transaction: PostgresTransaction) async throws -> Summary {
        let rows = try await transaction.query("""
            SELECT s.id, s.participant_id, s.offer_id, s.score,
                   o.positions - \(PlacementStore.positionsTaken("o")) AS positions_left
            FROM suggestions s JOIN placement_offers o ON o.forbund_id = s.forbund_id AND o.id = s.offer_id
            WHERE s.forbund_id = \(forbundID) AND s.state = 'proposed' AND o.status = 'open'
            ORDER BY s.id
            FOR UPDATE OF s
            """).map { row in
                // Locked in id order, as every writer of suggestions locks them; solved in the
                // order of participants and offers, so a tie is broken the same way each run.
                (id: try row.decode(UUID.self, "id"), participant: try row.decode(UUID.self, "participant_id"),
                 offer: try row.decode(UUID.self, "offer_id"), score: try row.decode(Double.self, "score"),
                 positionsLeft: try row.decode(Int.self, "positions_left"))
            }.sorted { ($0.participant.uuidString, $0.offer.uuidString) < ($1.participant.uuidString, $1.offer.uuidString) }
        var participants: [UUID: Int] = [:]
        var offers: [UUID: Int] = [:]
        var capacities: [Int] = []
        var edges: [MarketAssignment.Edge] = []
        var ids: [UUID] = []
        var scores: [Double] = []
        for row in rows {
            let participant = row.participant
            let offer = row.offer
            let p = participants[participant] ?? { participants[participant] = participants.count; return participants.count - 1 }()
            let o = offers[offer] ?? {
                offers[offer] = offers.count
                capacities.append(0)
                return offers.count - 1
            }()
            capacities[o] = max(0, row.positionsLeft)
            let score = row.score
            edges.append(.init(participant: p, offer: o, weight: Int((score * MarketAssignment.scale).rounded())))
            ids.append(row.id)
            scores.append(score)
        }
        let chosen = MarketAssignment.solve(participants: participants.count, capacities: capacities, edges: edges)
        let chosenIDs = chosen.map { ids[$0] }
        try await transaction.execute("""
            UPDATE suggestions SET recommended = (id = ANY(\(chosenIDs)::uuid[]))
            WHERE forbund_id = \(forbundID) AND (recommended OR id = ANY(\(chosenIDs)::uuid[]))
            """)
        return Summary(suggestions: rows.count, recommended: chosen.count, totalScore: chosen.map { scores[$0] }.reduce(0, +))
    }
}

/// The daily job that rebalances every förbund.
public enum MarketRebalanceJob: JobKind {
    /// No arguments: every förbund.
    public struct Arguments: Codable, Sendable {
        /// None.
        public init() {}
    }
    public static let name = "match.rebalance"
    public static let queue = MatchingJobs.queue

    /// Daily at 03:30, Stockholm time.
    public static func periodic() throws -> PeriodicJob {
        PeriodicJob(name: name, schedule: try CronSchedule("30 3 * * *"), job: try JobInsert(Self.self, Arguments()))
    }
}

/// Works `MarketRebalanceJob`: each förbund is verified against the matching rule and repaired,
/// then its assignment is solved, each in its own transaction.
public struct MarketRebalanceWorker: JobWorker {
    public typealias Kind = MarketRebalanceJob
    let pool: PostgresPool
    let matcher: PairMatcher
    let clock: any JobClock

    /// A worker through `pool`, verifying with `matcher`'s rule.
    public init(pool: PostgresPool, matcher: PairMatcher = PairMatcher(), clock: any JobClock = SystemJobClock()) {
        self.pool = pool
        self.matcher = matcher
        self.clock = clock
    }

    public func work(_ arguments: MarketRebalanceJob.Arguments, context: JobContext) async throws -> JobOutcome {
        let forbund = try await pool.withConnection { try await TenancyStore().listForbund(on: $0) }
        for one in forbund {
            let repair = try await MatchingRepair(matcher: matcher).run(forbundID: one.id, at: clock.now(), pool: pool, meta: context.meta)
            context.logger.info("verified matching", metadata: [
                "forbund": "\(one.id.uuidString.lowercased())", "missing": "\(repair.report.missing.count)",
                "extra": "\(repair.report.extra.count)", "stale": "\(repair.report.staleCount)", "jobs": "\(repair.jobs)",
            ])
            let summary = try await pool.withTransaction { tx in
                let started = ContinuousClock.now
                defer { MatchingMetrics.record(.assignment, since: started) }
                return try await MarketRebalance().run(forbundID: one.id, in: tx)
            }
            context.logger.info("rebalanced", metadata: ["suggestions": "\(summary.suggestions)", "recommended": "\(summary.recommended)"])
        }
        return .complete
    }
}
