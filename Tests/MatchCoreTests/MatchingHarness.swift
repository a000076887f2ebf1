import Foundation
import Logging
import ServiceLifecycle
import Synchronization
@testable import MatchCore

/// One förbund on a fresh database, written through the stores as the API writes, with the
/// matching workers run in-process by a real `QueueRuntime` when started.
final class MatchingHarness: Sendable {
    let conninfo: String
    let pool: PostgresPool
    let forbundID: UUID
    let employerID: UUID
    let matcher: PairMatcher
    let today = CalendarDate.inSweden(Date())
    private let runtimes = Mutex<[(group: ServiceGroup, task: Task<Void, any Error>)]>([])
    static let actor = AuditContext(actor: "user:test", reason: nil, requestID: "test")
    static let change = OfferStore.Change(actor: "user:test", requestID: "test")

    private init(conninfo: String, pool: PostgresPool, forbundID: UUID, employerID: UUID, matcher: PairMatcher) {
        self.conninfo = conninfo
        self.pool = pool
        self.forbundID = forbundID
        self.employerID = employerID
        self.matcher = matcher
    }

    /// A förbund with one employer and the seed support catalog.
    static func make(matcher: PairMatcher = PairMatcher()) async throws -> MatchingHarness {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 16))
        let (forbund, employer) = try await pool.withTransaction { tx in
            _ = try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data), loadedBy: "test", in: tx)
            let forbund = try await TenancyStore().createForbund(name: "Integritet", in: tx)
            let employer = try await EmployerStore().create(forbundID: forbund.id, number: try Organisationsnummer("5560360793"),
                                                            fields: EmployerStoreTests.fields("Samhall"), in: tx)
            return (forbund.id, employer.id)
        }
        return MatchingHarness(conninfo: conninfo, pool: pool, forbundID: forbund, employerID: employer, matcher: matcher)
    }

    /// A market for the length of `body`; its runtimes are stopped and its pool closed however `body` ends.
    static func with<T>(matcher: PairMatcher = PairMatcher(), _ body: (MatchingHarness) async throws -> T) async throws -> T {
        let market = try await make(matcher: matcher)
        do {
            let value = try await body(market)
            await market.close()
            return value
        } catch {
            await market.close()
            throw error
        }
    }

    /// Starts the matching workers in a runtime of `concurrency`, until `close`.
    func start(concurrency: Int = 4, hooks: MatchingHooks = MatchingHooks()) {
        var registry = WorkerRegistry()
        registry.register(MatchParticipantWorker(pool: pool, matcher: matcher, hooks: hooks))
        registry.register(MatchOfferWorker(pool: pool, matcher: matcher, hooks: hooks))
        var configuration = QueueRuntimeConfiguration(queues: [MatchingJobs.queue: concurrency])
        configuration.pollInterval = .milliseconds(50)
        let runtime = QueueRuntime(configuration: configuration, pool: pool, registry: registry)
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let group = ServiceGroup(services: runtime.services, logger: quiet)
        let task = Task { try await group.run() }
        runtimes.withLock { $0.append((group, task)) }
    }

    /// Waits until no matching job waits or runs; false after `timeout`.
    func settled(timeout: Duration = .seconds(60)) async throws -> Bool {
        try await eventually(timeout: timeout) {
            try await pool.query("""
                SELECT count(*) AS n FROM jobs WHERE queue = 'matching' AND state IN ('available', 'scheduled', 'retryable', 'running')
                """)[0].decode(Int.self, "n") == 0
        }
    }

    /// Participant fields in Linköping, working 20 h, wishing `occupation`.
    static func participantFields(_ reference: String, _ change: (inout ParticipantFields) -> Void = { _ in }) -> ParticipantFields {
        var fields = PairMatchingTests.participant().fields
        fields.caseReference = reference
        change(&fields)
        return fields
    }

    /// Offer fields near Linköping that the default participant passes.
    static func offerFields(_ change: (inout OfferFields) -> Void = { _ in }) -> OfferFields {
        var fields = PairMatchingTests.offer().offer.fields
        change(&fields)
        return fields
    }

    /// Registers a participant, with consent to matching unless `consenting` is false.
    @discardableResult
    func register(_ fields: ParticipantFields, consenting: Bool = true) async throws -> UUID {
        let id = try await pool.withTransaction { tx in
            try await ParticipantStore().create(forbundID: forbundID, fields: fields, today: today, by: Self.actor, in: tx).id
        }
        if consenting { try await consent(id) }
        return id
    }

    /// Records consent to matching.
    func consent(_ id: UUID) async throws {
        _ = try await pool.withTransaction { tx in
            try await ParticipantStore().addConsent(forbundID: forbundID, participantID: id, purpose: .matching,
                                                    givenOn: CalendarDate(year: 2026, month: 1, day: 1)!, by: Self.actor, in: tx)
        }
    }

    /// Withdraws every consent to matching in force.
    func withdrawConsent(_ id: UUID) async throws {
        try await pool.withTransaction { tx in
            guard let participant = try await ParticipantStore().load(forbundID: forbundID, id: id, on: tx.connection) else { return }
            for consent in participant.consents where consent.purpose == .matching && consent.withdrawnOn == nil {
                _ = try await ParticipantStore().withdrawConsent(forbundID: forbundID, participantID: id, consentID: consent.id,
                                                                 on: today, by: Self.actor, in: tx)
            }
        }
    }

    /// Changes a participant's fields.
    func change(participant id: UUID, _ change: @Sendable (inout ParticipantFields) -> Void) async throws {
        _ = try await pool.withTransaction { tx in
            guard var fields = try await ParticipantStore().load(forbundID: forbundID, id: id, on: tx.connection)?.fields else { return }
            change(&fields)
            _ = try await ParticipantStore().replace(forbundID: forbundID, id: id, fields: fields, ifVersion: nil, by: Self.actor, in: tx)
        }
    }

    /// Creates an offer of the harness's employer.
    @discardableResult
    func offer(_ fields: OfferFields, status: OfferStatus = .open) async throws -> UUID {
        try await pool.withTransaction { tx in
            try await OfferStore().create(AccessScope(forbundID: forbundID), employerID: employerID, fields: fields, status: status,
                                          by: Self.change, in: tx).id
        }
    }

    /// Changes an offer's fields.
    func change(offer id: UUID, _ change: @Sendable (inout OfferFields) -> Void) async throws {
        _ = try await pool.withTransaction { tx in
            guard var fields = try await OfferStore().get(AccessScope(forbundID: forbundID), id: id, on: tx.connection)?.fields else { return }
            change(&fields)
            _ = try await OfferStore().replace(AccessScope(forbundID: forbundID), id: id, fields: fields, ifVersion: nil, by: Self.change, in: tx)
        }
    }

    /// Moves an offer to `status` when the transition is allowed; false when it is not.
    @discardableResult
    func status(offer id: UUID, _ status: OfferStatus) async throws -> Bool {
        do {
            _ = try await pool.withTransaction { tx in
                try await OfferStore().changeStatus(AccessScope(forbundID: forbundID), id: id, to: status, note: "", ifVersion: nil,
                                                    by: Self.change, in: tx)
            }
            return true
        } catch is StoreError {
            return false
        }
    }

    /// The proposed pairs, as (participant, offer).
    func proposed() async throws -> Set<MatchingVerifier.Pair> {
        Set(try await pool.query("""
            SELECT participant_id, offer_id FROM suggestions WHERE forbund_id = \(forbundID) AND state = 'proposed'
            """).map { MatchingVerifier.Pair(participantID: try $0.decode(UUID.self, "participant_id"),
                                             offerID: try $0.decode(UUID.self, "offer_id")) })
    }

    /// `match verify` now.
    func verify() async throws -> MatchingVerifier.Report {
        try await MatchingVerifier(matcher: matcher).verify(forbundID: forbundID, actor: "test", reason: "test", pool: pool)
    }

    /// A context for running a worker by hand.
    static func context(kind: String) -> JobContext {
        JobContext(jobID: 0, kind: kind, attempt: 1, maxAttempts: 1, meta: JobMeta(actor: "test"), logger: Logger(label: "test"),
                   followUps: FollowUps())
    }

    /// Stops the runtimes (their jobs finish or are handed back), then closes the pool.
    func close() async {
        for runtime in runtimes.withLock({ all in defer { all.removeAll() }; return all }) {
            await runtime.group.triggerGracefulShutdown()
            _ = await runtime.task.result
        }
        await pool.close()
    }
}
