import ArgumentParser
import Foundation
import Logging
import MatchCore
import Metrics
import Prometheus
import ServiceLifecycle

/// The Lotsen daemon: connects, migrates, and runs its services until SIGTERM or SIGINT.
@main
struct Matchd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matchd",
        abstract: "The Lotsen matching daemon."
    )

    @Option(name: .long, help: "libpq connection string; else LOTSEN_DATABASE_URL, else libpq's PG* variables.")
    var databaseURL: String?

    @Option(name: .long, help: "TOML configuration file; else LOTSEN_CONFIG.")
    var config: String?

    @Flag(name: .long, help: "Run on the private development cluster (started and migrated if needed).")
    var dev = false

    @Flag(name: .long, help: "With --dev: do not load the demo data set into an empty database.")
    var noDemo = false

    @Option(name: .long, help: "Address to listen on; else LOTSEN_HTTP_HOST, else 127.0.0.1.")
    var host: String?

    @Option(name: .long, help: "Port to listen on; else LOTSEN_HTTP_PORT, else 8080.")
    var port: Int?

    @Option(name: .long, help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String?

    @Flag(name: .long, help: "Print the effective configuration, each value with its source (secrets masked), and exit.")
    var printConfig = false

    func run() async throws {
        var flags: [String: String] = [:]
        if let databaseURL { flags["database.url"] = databaseURL }
        if let logLevel { flags["log.level"] = logLevel }
        if let host { flags["http.host"] = host }
        if let port { flags["http.port"] = String(port) }
        let settings: LotsenConfiguration
        do {
            settings = try LotsenConfiguration.load(flags: flags, configFile: config)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        if printConfig {
            let width = settings.entries.map { $0.key.count + $0.maskedValue.count }.max() ?? 0
            for entry in settings.entries {
                let line = "\(entry.key) = \(entry.maskedValue)"
                print(line + String(repeating: " ", count: max(1, width + 4 - line.count)) + "# " + entry.source)
            }
            return
        }
        // Every logger follows one level, which SIGHUP may change while the daemon runs.
        let levels = LogLevelControl(settings.log.level)
        let json = settings.log.format.writesJSON
        LoggingSystem.bootstrap { label in LotsenLogHandler(label: label, json: json, control: levels) }
        let logger = Logger(label: "lotsen.matchd")
        // One registry for the process: the queue's and the HTTP server's metrics, served at /metrics.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        StandardMetrics.declare()
        // SIGHUP reloads the configuration once the daemon runs; until then it is ignored, not fatal.
        signal(SIGHUP, SIG_IGN)
        // The group traps the signals before the daemon connects, so SIGTERM during startup stops it cleanly.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: DaemonService(settings: settings, metrics: metrics, reload: ReloadInputs(flags: flags, configFile: config, levels: levels),
                                          dev: dev, demo: dev && !noDemo, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }
}
