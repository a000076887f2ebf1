import ArgumentParser
import Foundation
import Logging
import MatchCore
import ServiceLifecycle
import Synchronization

/// `matchctl demo`: the demo data set on the development cluster, matched to the end, with a
/// summary and the tokens to try it with.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load the demo data set (on the development cluster unless a database is given), match it, and show how to try it.")

    @Option(name: .long, help: "libpq connection string; else the development cluster (made or reused).")
    var databaseURL: String?

    @Option(name: .long, help: "TOML configuration file (matching settings, the address to print); else LOTSEN_CONFIG.")
    var config: String?

    @Flag(name: .long, help: "Drop the development cluster's database and load the data set again.")
    var reset = false

    @Option(name: .long, help: "small (100 participants) or full (1 000).")
    var demoSize: DemoDataSet.Size = .full

    @Option(name: .long, help: "The generator's seed: the same seed gives the same data.")
    var seed: UInt64 = 2026

    @Flag(name: .long, help: "Exit when matching is done, instead of leaving a matchd running (scripts and CI).")
    var exitWhenDone = false

    func validate() throws {
        if reset, databaseURL != nil {
            throw ValidationError("--reset drops the development cluster's database; it does not apply to --database-url")
        }
    }

    func run() async throws {
        let started = ContinuousClock.now
        var flags: [String: String] = [:]
        if let databaseURL { flags["database.url"] = databaseURL }
        var settings: LotsenConfiguration
        do {
            settings = try LotsenConfiguration.load(flags: flags, configFile: config)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        let onDevCluster = databaseURL == nil
        if onDevCluster {
            settings.database.url = try await reset ? DevCluster.reset() : DevCluster.ensureRunning()
            say("development cluster in \(DevCluster.folder().path)\(reset ? ", its database made anew" : "")")
        } else {
            let connection = try await PostgresConnection.connect(settings.database.url)
            do {
                try await Migrator().migrate(on: connection)
                await connection.close()
            } catch {
                await connection.close()
                throw error
            }
        }
        let pool = PostgresPool(configuration: .init(conninfo: settings.database.url, maxConnections: 6))
        do {
            try await run(settings: settings, pool: pool, onDevCluster: onDevCluster, started: started)
            await pool.close()
        } catch {
            await pool.close()
            throw error
        }
    }

    private func run(settings: LotsenConfiguration, pool: PostgresPool, onDevCluster: Bool, started: ContinuousClock.Instant) async throws {
        let progress = ProgressLine()
        let loader = DemoLoader()
        let loaded: DemoLoader.Loaded
        if let existing = try await pool.withConnection({ try await loader.existing(on: $0) }) {
            say("the demo data set is loaded already (--reset loads it again)")
            loaded = existing
        } else {
            let data = DemoDataSet(size: demoSize, seed: seed, today: CalendarDate.inSweden())
            loaded = try await loader.load(data, pool: pool) { progress.update("loading \($0)", $1, $2) }
            progress.finish()
            say("loaded \(data.employers.count) employers, \(data.offers.count) offers and \(data.participants.count) participants"
                  + " into \(data.forbundName)")
        }

        // Matching runs in whichever daemon is alive; else in a matchd started here, or in this process.
        // A daemon that does not run the matching queue would leave matching waiting: count only those that do.
        let alive = try await pool.query("""
            SELECT id FROM queue_daemons WHERE stopped_at IS NULL AND heartbeat_at > now() - interval '1 minute'
              AND coalesce((queues ->> \(MatchingJobs.queue))::int, 0) > 0
            ORDER BY started_at
            """).map { try $0.decode(String.self, "id") }
        var daemon: Process?
        var workers: (group: ServiceGroup, task: Task<Void, any Error>)?
        if !alive.isEmpty {
            say("matching in the running matchd (\(alive.joined(separator: ", ")))")
        } else if !exitWhenDone, let matchd = Self.siblingMatchd() {
            daemon = try Self.startMatchd(matchd, onDevCluster: onDevCluster, settings: settings, config: config)
            say("matching in a matchd started here (pid \(daemon!.processIdentifier), log in \(Self.daemonLog.path))")
        } else {
            workers = Self.startWorkers(settings: settings, pool: pool)
            say("matching in this process")
        }
        do {
            try await DemoMatching().settle(pool: pool) { progress.update("matching", $0, $1) }
            try await DemoMatching().assign(pool: pool)
            progress.finish()
        } catch {
            progress.finish()
            daemon?.terminate()
            throw error
        }
        if let workers {
            await workers.group.triggerGracefulShutdown()
            try await workers.task.value
        }

        let matcher = settings.matching.matcher(evaluator: settings.supports.evaluator)
        let summary = try await DemoSummary.read(forbundID: loaded.forbundID, matcher: matcher, pool: pool)
        let tokens = try await loader.tokens(for: loaded, preferredEmployer: summary.exampleEmployerID, pool: pool)
        let seconds = (ContinuousClock.now - started).inSeconds
        say("")
        say("Lotsen demo: \(loaded.forbundName), matched in \(String(format: "%.1f", seconds)) s")
        say(summary.text)
        say("")
        say(Self.howToTry(url: settings.http.publicURL ?? "http://\(settings.http.host):\(settings.http.port)", tokens: tokens,
                            suggestion: summary.example?.id, forbund: loaded.forbundName, served: daemon != nil || !alive.isEmpty))
        guard let daemon, !exitWhenDone else { return }
        say("")
        say("matchd is running; Ctrl-C stops it")
        await Self.waitForSignal(stopping: daemon)
    }

    /// The commands for trying the API as a coordinator and as an employer, as far as the review flow goes.
    static func howToTry(url: String, tokens: (coordinator: String, employer: String?, employerID: UUID?), suggestion: UUID?,
                         forbund: String, served: Bool) -> String {
        var lines = ["How to try it:"]
        if !served { lines.append("  start Lotsen first:  swift run matchd --dev") }
        lines += [
            "  Lotsen answers at \(url)",
            "  export COORDINATOR=\(tokens.coordinator)",
        ]
        if let employer = tokens.employer { lines.append("  export EMPLOYER=\(employer)") }
        lines += [
            "",
            "  # the coordinator's recommended suggestions, with their reasons and supports",
            "  curl -H \"Authorization: Bearer $COORDINATOR\" '\(url)/v1/suggestions?recommended=true&limit=5'",
        ]
        if let suggestion {
            let id = suggestion.uuidString.lowercased()
            lines += [
                "  # approve the one above and present it to the employer",
                "  curl -X POST -H \"Authorization: Bearer $COORDINATOR\" \(url)/v1/suggestions/\(id)/approve",
                "  curl -X POST -H \"Authorization: Bearer $COORDINATOR\" -H 'Content-Type: application/json' -d '{}' \(url)/v1/suggestions/\(id)/present",
                "  # the employer sees the candidate and answers",
                "  curl -H \"Authorization: Bearer $EMPLOYER\" \(url)/v1/candidates",
                "  # the coordinator's inbox, live",
                "  curl -N -H \"Authorization: Bearer $COORDINATOR\" -H 'Accept: text/event-stream' \(url)/v1/inbox/stream",
                "  # or from the command line",
                "  swift run matchctl suggestions show --dev --forbund '\(forbund)' --reason 'trying the demo' \(id)",
            ]
        }
        return lines.joined(separator: "\n")
    }

    /// The matching workers in this process, until shut down.
    static func startWorkers(settings: LotsenConfiguration, pool: PostgresPool) -> (group: ServiceGroup, task: Task<Void, any Error>) {
        let matcher = settings.matching.matcher(evaluator: settings.supports.evaluator)
        var logger = Logger(label: "lotsen.matchctl.demo")
        logger.logLevel = .warning
        // The open offers in memory, as in matchd: a participant's job then reads no offer from the database.
        let listener = PostgresListener(conninfo: pool.configuration.conninfo, logger: logger)
        let offerIndex = LiveOfferIndex(pool: pool, logger: logger, connected: { listener.isConnected })
        var registry = WorkerRegistry()
        registry.register(MatchParticipantWorker(pool: pool, matcher: matcher, offerIndex: offerIndex))
        registry.register(MatchOfferWorker(pool: pool, matcher: matcher))
        registry.register(MarketRebalanceWorker(pool: pool, matcher: matcher))
        var configuration = settings.queue.runtimeConfiguration()
        configuration.queues = [MatchingJobs.queue: max(2, ProcessInfo.processInfo.activeProcessorCount)]
        let runtime = QueueRuntime(configuration: configuration, pool: pool, registry: registry, logger: logger)
        runtime.matchingSettings = settings.matchingFingerprint
        let group = ServiceGroup(services: [OfferIndexFollower(index: offerIndex, listener: listener)] + runtime.services, logger: logger)
        return (group, Task { try await group.run() })
    }

    static let daemonLog = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lotsen-demo-matchd.log")

    /// The matchd built beside this matchctl, if there is one.
    static func siblingMatchd() -> URL? {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let matchd = me.deletingLastPathComponent().appendingPathComponent("matchd")
        return FileManager.default.isExecutableFile(atPath: matchd.path) ? matchd : nil
    }

    /// Starts matchd on the same database without loading the demo again, its output in `daemonLog`.
    static func startMatchd(_ executable: URL, onDevCluster: Bool, settings: LotsenConfiguration, config: String?) throws -> Process {
        let process = Process()
        process.executableURL = executable
        // The same configuration as this command's; the url by environment, never on the command line others can read.
        process.arguments = (onDevCluster ? ["--dev"] : []) + (config.map { ["--config", $0] } ?? []) + ["--no-demo"]
        var environment = ProcessInfo.processInfo.environment
        if !onDevCluster { environment["LOTSEN_DATABASE_URL"] = settings.database.url }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: daemonLog.path, contents: nil)
        let log = try FileHandle(forWritingTo: daemonLog)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return process
    }

    /// Waits for SIGINT or SIGTERM (or the daemon's own end), then stops the daemon and waits for it.
    static func waitForSignal(stopping daemon: Process) async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            let resume: @Sendable () -> Void = { if once.take() { continuation.resume() } }
            for source in sources {
                source.setEventHandler { daemon.terminate(); resume() }
                source.resume()
            }
            daemon.terminationHandler = { _ in resume() }
            if !daemon.isRunning { resume() }
        }
        daemon.waitUntilExit()
        for source in sources { source.cancel() }
    }
}

extension DemoDataSet.Size: ExpressibleByArgument {}

/// Writes a line to standard output at once, unbuffered, so it stays in order with the progress
/// on standard error when both go to one pipe.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// True the first time it is taken, false after.
final class OnceFlag: Sendable {
    private let taken = Mutex(false)
    func take() -> Bool { taken.withLock { was in defer { was = true }; return !was } }
}
