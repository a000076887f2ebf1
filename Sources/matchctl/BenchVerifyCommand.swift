import ArgumentParser
import Foundation
import Logging
import MatchCore

/// `matchctl bench verify`: a generated market loaded through the stores into a förbund of its
/// own, fully rematched by the participant jobs (the worker's own code, one job at a time as the
/// förbund lock runs them) and their follow-ups, then `match verify` on it. The rematch is the
/// baseline the verification is measured against.
struct BenchVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Time a full rematch and `match verify` on a generated market in the database.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Open offers.") var offers = 20_000
    @Option(help: "Seeking participants who consent.") var participants = 50_000
    @Option(help: "The generator's seed.") var seed: UInt64 = 2026
    @Flag(help: "Keep the generated market (else its participants, offers and employers are deleted at the end).") var keep = false
    @Flag(help: "Print JSON.") var json = false

    struct Figures: Encodable {
        var offers: Int, participants: Int, loadS: Double, rematchS: Double, rematchJobsPerS: Double, followUpJobs: Int
        var verifyS: Double, verifyToRematch: Double, proposed: Int, missing: Int, extra: Int, stale: Int
        enum CodingKeys: String, CodingKey {
            case offers, participants, loadS = "load_s", rematchS = "rematch_s", rematchJobsPerS = "rematch_jobs_per_s"
            case followUpJobs = "follow_up_jobs", verifyS = "verify_s", verifyToRematch = "verify_to_rematch"
            case proposed, missing, extra, stale
        }
    }

    func run() async throws {
        let settings = try database.loadConfiguration()
        let matcher = settings.matching.matcher(evaluator: settings.supports.evaluator)
        var generator = MarketGenerator(seed: seed)
        let market = generator.offers(offers)
        let people = generator.participants(participants)
        let clock = ContinuousClock()
        let figures = try await database.withPool { pool in
            let loadStarted = clock.now
            let forbundID = try await load(market: market, people: people, into: pool)
            let loadTime = clock.now - loadStarted
            defer { progress("förbund \(forbundID.uuidString.lowercased())") }

            // The full rematch: every participant's job, then whatever follow-ups they enqueued.
            let index = LiveOfferIndex(pool: pool, logger: Logger(label: "bench"), connected: { true })
            await index.startFollowing()
            let participantWorker = MatchParticipantWorker(pool: pool, matcher: matcher, offerIndex: index)
            let offerWorker = MatchOfferWorker(pool: pool, matcher: matcher)
            let ids = try await pool.query("SELECT id FROM participants WHERE forbund_id = \(forbundID) ORDER BY id")
                .map { try $0.decode(UUID.self, "id") }
            let rematchStarted = clock.now
            for (number, id) in ids.enumerated() {
                _ = try await participantWorker.work(.init(forbundID: forbundID, id: id), context: Self.context)
                if number % 5000 == 4999 { progress("rematched \(number + 1) of \(ids.count)") }
                // The suggestions grow from none far faster than autovacuum's minute: analyse as it would.
                if number % 2000 == 1999 { try await pool.execute("ANALYZE suggestions") }
            }
            let followUps = try await runFollowUps(forbundID: forbundID, pool: pool, participantWorker: participantWorker,
                                                   offerWorker: offerWorker)
            let rematchTime = clock.now - rematchStarted
            progress("rematched in \(String(format: "%.1f", rematchTime.inSeconds)) s; verifying")

            let verifyStarted = clock.now
            let report = try await MatchingVerifier(matcher: matcher).verify(forbundID: forbundID, actor: OperatorIdentity.actor,
                                                                            reason: "matchctl bench verify", pool: pool)
            let verifyTime = clock.now - verifyStarted
            if !keep {
                // The förbund and its audit log stay (the log is append-only); its market goes.
                try await pool.execute("DELETE FROM jobs WHERE args->>'forbund_id' = \(forbundID.uuidString.lowercased())")
                try await pool.execute("DELETE FROM participants WHERE forbund_id = \(forbundID)")
                try await pool.execute("DELETE FROM placement_offers WHERE forbund_id = \(forbundID)")
                try await pool.execute("DELETE FROM employers WHERE forbund_id = \(forbundID)")
            }
            return Figures(offers: offers, participants: participants, loadS: loadTime.inSeconds, rematchS: rematchTime.inSeconds,
                           rematchJobsPerS: Double(ids.count + followUps) / rematchTime.inSeconds, followUpJobs: followUps,
                           verifyS: verifyTime.inSeconds, verifyToRematch: verifyTime.inSeconds / rematchTime.inSeconds,
                           proposed: report.stored, missing: report.missing.count, extra: report.extra.count, stale: report.staleCount)
        }
        if json { return try Output.json(figures) }
        Output.table(["measure", "value"], [
            ["market", "\(figures.participants) participants × \(figures.offers) offers"],
            ["load through the stores", String(format: "%.1f s", figures.loadS)],
            ["full rematch (participant jobs + \(figures.followUpJobs) follow-ups)", String(format: "%.1f s (%.0f jobs/s)", figures.rematchS, figures.rematchJobsPerS)],
            ["match verify", String(format: "%.1f s (%.2fx the rematch)", figures.verifyS, figures.verifyToRematch)],
            ["proposed pairs", "\(figures.proposed)"],
            ["missing / extra / stale", "\(figures.missing) / \(figures.extra) / \(figures.stale)"],
        ])
        if figures.missing + figures.extra > 0 { throw ExitCode(1) }
    }

    static let context = JobContext.outsideQueue(kind: "bench.verify", meta: JobMeta(actor: OperatorIdentity.actor),
                                                 logger: Logger(label: "bench"))

    /// `count` valid organisationsnummer (556xxxxxxc, aktiebolag): the check digit is found by trying each.
    static func organisationsnummer(count: Int) -> [Organisationsnummer] {
        (0..<count).compactMap { index in
            let stem = "556" + String(format: "%06d", 100_000 + index * 37)
            return (0...9).lazy.compactMap { try? Organisationsnummer(stem + String($0)) }.first
        }
    }

    func progress(_ line: String) {
        FileHandle.standardError.write(Data("bench verify: \(line)\n".utf8))
    }

    /// Loads the market through the stores (as the API writes it), 1 000 rows a transaction, and
    /// removes the match jobs the writes enqueued: the rematch runs them itself.
    func load(market: [MatchOffer], people: [Participant], into pool: PostgresPool) async throws -> UUID {
        let (forbundID, employers) = try await pool.withTransaction { tx in
            _ = try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data), loadedBy: "bench", in: tx)
            let forbund = try await TenancyStore().createForbund(name: "bench-verify-\(UUID().uuidString.prefix(8).lowercased())", in: tx)
            var employers: [UUID] = []
            for number in Self.organisationsnummer(count: 200) {
                let fields = EmployerFields(name: "Arbetsgivare \(employers.count)", sector: .private, responsibleCoordinatorID: nil,
                                            notes: "", addresses: [], contacts: [], supportGiven: [])
                employers.append(try await EmployerStore().create(forbundID: forbund.id, number: number, fields: fields, in: tx).id)
            }
            return (forbund.id, employers)
        }
        let change = OfferStore.Change(actor: OperatorIdentity.actor, requestID: "bench-verify")
        for start in stride(from: 0, to: market.count, by: 1000) {
            try await pool.withTransaction { tx in
                for (offset, offer) in market[start..<min(start + 1000, market.count)].enumerated() {
                    _ = try await OfferStore().create(AccessScope(forbundID: forbundID), employerID: employers[(start + offset) % employers.count],
                                                      fields: offer.offer.fields, status: .open, by: change, in: tx)
                }
            }
        }
        progress("loaded \(market.count) offers")
        let context = AuditContext(actor: OperatorIdentity.actor, reason: "bench", requestID: "bench-verify")
        let today = CalendarDate.inSweden(Date())
        for start in stride(from: 0, to: people.count, by: 1000) {
            try await pool.withTransaction { tx in
                for person in people[start..<min(start + 1000, people.count)] {
                    let id = try await ParticipantStore().create(forbundID: forbundID, fields: person.fields, today: today, by: context, in: tx).id
                    _ = try await ParticipantStore().addConsent(forbundID: forbundID, participantID: id, purpose: .matching,
                                                                givenOn: CalendarDate(year: 2026, month: 1, day: 1)!, by: context, in: tx)
                }
            }
            if start % 10_000 == 9000 { progress("loaded \(start + 1000) participants") }
        }
        try await pool.execute("DELETE FROM jobs WHERE queue = 'matching' AND args->>'forbund_id' = \(forbundID.uuidString.lowercased())")
        try await pool.execute("ANALYZE")
        return forbundID
    }

    /// Runs the follow-up jobs the rematch enqueued until none is left; returns how many ran.
    func runFollowUps(forbundID: UUID, pool: PostgresPool, participantWorker: MatchParticipantWorker,
                      offerWorker: MatchOfferWorker) async throws -> Int {
        let queue = JobQueue()
        var ran = 0
        while true {
            let jobs = try await pool.withConnection { connection in
                try await queue.fetch(queue: MatchingJobs.queue, limit: 100, daemon: "bench-verify", lease: .seconds(300), on: connection)
            }
            if jobs.isEmpty { return ran }
            for job in jobs {
                let target = try JSONDecoder().decode(MatchingJobs.Target.self, from: Data(job.argumentsJSON.utf8))
                if job.kind == MatchingJobs.Offer.name {
                    _ = try await offerWorker.work(target, context: Self.context)
                } else {
                    _ = try await participantWorker.work(target, context: Self.context)
                }
                try await pool.withTransaction { try await queue.complete([job.id], daemon: "bench-verify", in: $0) }
                ran += 1
            }
        }
    }
}
