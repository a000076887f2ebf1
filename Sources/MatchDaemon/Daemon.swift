import Foundation
import Logging
import MatchCore
import Prometheus
import ServiceLifecycle

/// The running daemon: its pool and its services, in one `ServiceGroup`.
struct Daemon {
    let pool: PostgresPool
    let services: [any Service]
    /// Services whose end does not end the daemon (following the demo's first matching).
    var passing: [any Service] = []
    /// Installed around the services: requests and jobs that write events dispatch them at once.
    let immediateDispatch: ImmediateDispatch
    let logger: Logger

    /// Connects (waiting for the database to come up) and migrates when configured to.
    /// With `reload`, SIGHUP rereads the configuration (see `ConfigurationReloader`).
    static func start(settings: LotsenConfiguration, metrics: PrometheusCollectorRegistry?, reload: ReloadInputs? = nil,
                      logger: Logger) async throws -> Daemon {
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
        // The open offers live in memory when notifications can keep them in step (not in poll-only
        // mode), on a LISTEN connection of their own so offer changes and queue wake-ups never queue behind each other.
        let listener = settings.queue.pollOnly ? nil : PostgresListener(conninfo: pool.configuration.conninfo, logger: logger)
        let offerIndex = listener.map { listener in
            LiveOfferIndex(pool: pool, logger: logger, connected: { listener.isConnected })
        }
        let reloadable = DaemonWorkers(pool: pool, offerIndex: offerIndex,
                                       mailer: settings.smtp.enabled ? try SMTPMailer(configuration: settings.smtp) : nil)
        reloadable.registerMatching(settings, into: &workers)
        reloadable.registerNotify(settings, into: &workers)
        workers.register(FollowAlongWorker(pool: pool, plan: settings.followAlong.plan))
        let routing = DaemonWorkers.routing(settings)
        workers.register(WebhookDeliverWorker(pool: pool, target: WebhookTarget(allowPrivate: settings.webhooks.allowPrivateTargets)))
        let runtime = QueueRuntime(configuration: settings.queue.runtimeConfiguration(), pool: pool, registry: workers,
                                   periodicJobs: [try IdempotencyPruneJob.periodic(), try EventPruneJob.periodic(),
                                                  try MarketRebalanceJob.periodic(), try FollowAlongJob.periodic()], logger: logger)
        runtime.matchingSettings = settings.matchingFingerprint
        // Started in order, shut down in reverse: the fetcher stops first, the pool last.
        let fanout = InboxFanout()
        // Verified tokens stay in memory; with a listener every change that can invalidate one
        // empties the cache at once (TokenCache), in poll-only mode an entry lives a second.
        let tokenCache = TokenCache(connected: { listener?.isConnected ?? false })
        let http = APIServer.make(settings: settings.http, pool: pool, metrics: metrics,
                                  evaluator: settings.supports.evaluator, plan: settings.followAlong.plan, fanout: fanout,
                                  webhookTarget: WebhookTarget(allowPrivate: settings.webhooks.allowPrivateTargets),
                                  tokenCache: tokenCache, logger: logger)
        var services: [any Service] = [PoolService(pool: pool)]
        if let offerIndex, let listener { services.append(OfferIndexFollower(index: offerIndex, listener: listener)) }
        if let listener { services.append(TokenCacheFollower(cache: tokenCache, listener: listener)) }
        // Its LISTEN is on the daemon's one listener connection. The HTTP server, last, shuts down
        // first: its graceful shutdown ends the open inbox streams (see `InboxStream`).
        let inbox = InboxFanoutService(fanout: fanout, listener: listener, pool: pool,
                                       pollInterval: .milliseconds(settings.queue.pollIntervalMilliseconds))
        let dispatch = ImmediateDispatch(pool: pool, fanout: fanout, routing: routing, logger: logger)
        if let reload {
            services.append(ConfigurationReloadService(reloader: ConfigurationReloader(
                inputs: reload, settings: settings, runtime: runtime, workers: reloadable, dispatch: dispatch, pool: pool, logger: logger)))
        }
        return Daemon(pool: pool, services: services + [inbox] + runtime.services + [http], immediateDispatch: dispatch, logger: logger)
    }

    /// On a database without any förbund, loads the full demo data set; the daemon's own workers
    /// match it once it runs, and a background task has the assignment mark the recommended ones after.
    mutating func loadDemoIfEmpty(settings: LotsenConfiguration) async throws {
        let loader = DemoLoader()
        guard try await pool.withConnection({ try await loader.databaseIsEmpty(on: $0) }) else { return }
        let data = DemoDataSet(size: .full, today: CalendarDate.inSweden())
        _ = try await loader.load(data, pool: pool)
        logger.info("loaded the demo data set: \(data.employers.count) employers, \(data.offers.count) offers, \(data.participants.count) participants in \"\(data.forbundName)\"; `swift run matchctl demo` shows what matching made of it and gives tokens to try it (--no-demo skips it)")
        passing.append(DemoFollower(pool: pool, logger: logger))
    }

    /// Runs the services until the enclosing group shuts down gracefully; the signals belong to that group.
    func run() async throws {
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) }
                + passing.map { .init(service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore) },
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
    /// Where SIGHUP rereads the configuration from.
    let reload: ReloadInputs
    let dev: Bool
    /// Load the demo data set when the database holds no förbund (a first `--dev` run).
    let demo: Bool
    let logger: Logger

    func run() async throws {
        let daemon: Daemon
        do {
            daemon = try await cancelWhenGracefulShutdown { [settings, metrics, reload, dev, demo, logger] in
                var settings = settings
                var reload = reload
                if dev {
                    // The dev cluster's url as if given on the command line, so a reload keeps it too.
                    reload.flags["database.url"] = try await DevCluster.ensureRunning()
                    settings = try LotsenConfiguration.load(flags: reload.flags, configFile: reload.configFile)
                }
                logger.info("matchd starting: connecting to the database")
                var daemon = try await Daemon.start(settings: settings, metrics: metrics, reload: reload, logger: logger)
                if demo { try await daemon.loadDemoIfEmpty(settings: settings) }
                return daemon
            }
        } catch let error where Task.isShuttingDownGracefully {
            logger.info("matchd stopped before it had started", metadata: ["reason": "\(type(of: error))"])
            return
        }
        try await daemon.run()
    }
}

/// Waits for the daemon's workers to match the demo data set, then has the assignment mark the
/// recommended suggestions (otherwise the daily job's work) and says so in one log line.
struct DemoFollower: Service {
    let pool: PostgresPool
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown { [pool, logger] in
            try await DemoMatching().settle(pool: pool)
            try await DemoMatching().assign(pool: pool)
            let counts = try await pool.query("""
                SELECT count(*) FILTER (WHERE state = 'proposed') AS suggestions, count(*) FILTER (WHERE recommended) AS recommended
                FROM suggestions
                """)[0]
            let suggestions = try counts.decode(Int.self, "suggestions"), recommended = try counts.decode(Int.self, "recommended")
            logger.info("matched the demo data set", metadata: ["suggestions": "\(suggestions)", "recommended": "\(recommended)"])
        }
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
