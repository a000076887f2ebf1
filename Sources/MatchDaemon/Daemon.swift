import Foundation
import Logging
import MatchCore
import Prometheus
import ServiceLifecycle

/// The running daemon: its pool and its services, in one `ServiceGroup`.
struct Daemon {
    let pool: PostgresPool
    let services: [any Service]
    /// Installed around the services: requests and jobs that write events dispatch them at once.
    let immediateDispatch: ImmediateDispatch
    let logger: Logger

    /// Connects (waiting for the database to come up) and migrates when configured to.
    static func start(settings: LotsenConfiguration, metrics: PrometheusCollectorRegistry?, logger: Logger) async throws -> Daemon {
        Curl.initialize()
        let pool = PostgresPool(configuration: settings.database.poolConfiguration, logger: logger)
        try await pool.withConnection { connection in
            let migrator = Migrator(logger: logger)
            if settings.database.migrateOnStart {
                try await migrator.migrate(on: connection)
            } else if try await !migrator.isUpToDate(on: connection) {
                logger.warning("the schema has pending migrations; run `matchctl migrate`")
            }
        }
        var workers = WorkerRegistry()
        workers.register(NoopWorker())
        workers.register(IdempotencyPruneWorker(pool: pool))
        workers.register(EventPruneWorker(pool: pool))
        let matcher = settings.matching.matcher(evaluator: settings.supports.evaluator)
        // The open offers live in memory when notifications can keep them in step (not in poll-only
        // mode), on a LISTEN connection of their own so offer changes and queue wake-ups never queue behind each other.
        let listener = settings.queue.pollOnly ? nil : PostgresListener(conninfo: pool.configuration.conninfo, logger: logger)
        let offerIndex = listener.map { listener in
            LiveOfferIndex(pool: pool, logger: logger, connected: { listener.isConnected })
        }
        workers.register(MatchParticipantWorker(pool: pool, matcher: matcher, offerIndex: offerIndex))
        workers.register(MatchOfferWorker(pool: pool, matcher: matcher))
        workers.register(MarketRebalanceWorker(pool: pool, matcher: matcher))
        workers.register(FollowAlongWorker(pool: pool, plan: settings.followAlong.plan))
        let routing = NotificationRouting(
            digestWindow: settings.smtp.enabled ? .milliseconds(settings.notify.digestWindowMilliseconds) : nil,
            publicURL: settings.http.publicURL)
        workers.register(NotifyDispatchWorker(pool: pool, routing: routing))
        workers.register(DigestSendWorker(pool: pool, mailer: settings.smtp.enabled ? try SMTPMailer(configuration: settings.smtp) : nil,
                                          hours: settings.notify.emailHours, urgentAnyTime: settings.notify.urgentAnyTime,
                                          publicURL: settings.http.publicURL))
        workers.register(WebhookDeliverWorker(pool: pool, target: WebhookTarget(allowPrivate: settings.webhooks.allowPrivateTargets)))
        let runtime = QueueRuntime(configuration: settings.queue.runtimeConfiguration(), pool: pool, registry: workers,
                                   periodicJobs: [try IdempotencyPruneJob.periodic(), try EventPruneJob.periodic(),
                                                  try MarketRebalanceJob.periodic(), try FollowAlongJob.periodic()], logger: logger)
        // Started in order, shut down in reverse: the fetcher stops first, the pool last.
        let fanout = InboxFanout()
        let http = APIServer.make(settings: settings.http, pool: pool, metrics: metrics,
                                  evaluator: settings.supports.evaluator, plan: settings.followAlong.plan, fanout: fanout,
                                  webhookTarget: WebhookTarget(allowPrivate: settings.webhooks.allowPrivateTargets), logger: logger)
        var services: [any Service] = [PoolService(pool: pool)]
        if let offerIndex, let listener { services.append(OfferIndexFollower(index: offerIndex, listener: listener)) }
        // Its LISTEN is on the daemon's one listener connection. The HTTP server, last, shuts down
        // first: its graceful shutdown ends the open inbox streams (see `InboxStream`).
        let inbox = InboxFanoutService(fanout: fanout, listener: listener, pool: pool,
                                       pollInterval: .milliseconds(settings.queue.pollIntervalMilliseconds))
        return Daemon(pool: pool, services: services + [inbox] + runtime.services + [http],
                      immediateDispatch: ImmediateDispatch(pool: pool, fanout: fanout, routing: routing, logger: logger), logger: logger)
    }

    /// Runs the services until the enclosing group shuts down gracefully; the signals belong to that group.
    func run() async throws {
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            logger: logger
        ))
        logger.info("matchd running", metadata: ["pid": "\(getpid())"])
        try await ImmediateDispatch.$current.withValue(immediateDispatch) { try await group.run() }
        logger.info("matchd stopped")
    }
}

/// The whole life of `matchd` as one service, so that SIGTERM is handled from the first moment:
/// a signal while it still waits for the database or migrates ends it cleanly instead of killing it.
struct DaemonService: Service {
    let settings: LotsenConfiguration
    let metrics: PrometheusCollectorRegistry?
    let dev: Bool
    let logger: Logger

    func run() async throws {
        let daemon: Daemon
        do {
            daemon = try await cancelWhenGracefulShutdown { [settings, metrics, dev, logger] in
                var settings = settings
                if dev { settings.database.url = try await DevCluster.ensureRunning() }
                logger.info("matchd starting: connecting to the database")
                return try await Daemon.start(settings: settings, metrics: metrics, logger: logger)
            }
        } catch let error where Task.isShuttingDownGracefully {
            logger.info("matchd stopped before it had started", metadata: ["reason": "\(type(of: error))"])
            return
        }
        try await daemon.run()
    }
}

/// Holds the pool for the daemon's lifetime and closes it on shutdown.
struct PoolService: Service {
    let pool: PostgresPool

    func run() async throws {
        try? await gracefulShutdown()
        await pool.close()
    }
}
