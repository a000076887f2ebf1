import Foundation
import Logging
import MatchCore
import ServiceLifecycle
import Synchronization

/// Where a reload reads the configuration from again: the command line's flags and file.
struct ReloadInputs: Sendable {
    var flags: [String: String]
    var configFile: String?
    /// The level every logger follows.
    var levels: LogLevelControl
}

/// Rereads the file and the environment on SIGHUP and applies what can change while the daemon
/// runs: the log level, each queue's concurrency, the notification settings, and the matching
/// settings (which also enqueues a rematch of everything, since every stored suggestion was made
/// with the old ones). A configuration with an error is refused whole and the running one stays;
/// a changed setting that needs a restart is logged and left as it runs.
final class ConfigurationReloader: Sendable {
    let inputs: ReloadInputs
    let runtime: QueueRuntime
    let workers: DaemonWorkers
    let dispatch: ImmediateDispatch
    let pool: PostgresPool
    let logger: Logger
    /// What runs now: the start's configuration with the reloads applied.
    private let current: Mutex<LotsenConfiguration>

    init(inputs: ReloadInputs, settings: LotsenConfiguration, runtime: QueueRuntime, workers: DaemonWorkers,
         dispatch: ImmediateDispatch, pool: PostgresPool, logger: Logger) {
        self.inputs = inputs
        self.current = Mutex(settings)
        self.runtime = runtime
        self.workers = workers
        self.dispatch = dispatch
        self.pool = pool
        self.logger = logger
    }

    /// Whether a key applies without a restart.
    static func reloadable(_ key: String) -> Bool {
        if key == "log.level" || key.hasPrefix("notify.") || key.hasPrefix("matching.") { return true }
        // A queue's concurrency: every `[queue]` key that is not one of the runtime's fixed settings.
        if key.hasPrefix("queue.") { return !QueueConfiguration.fixedKeys.contains(String(key.dropFirst("queue.".count))) }
        return false
    }

    /// One reload; never throws: what cannot be applied is logged.
    func reload() async {
        let new: LotsenConfiguration
        do {
            new = try LotsenConfiguration.load(flags: inputs.flags, configFile: inputs.configFile)
        } catch let error as ConfigurationError {
            // The key and the rule, not the value's source text: it may quote a URL with a password.
            logger.error("configuration reload refused; the running configuration stays",
                         metadata: ["key": "\(error.key)", "problem": "\(error.problem)"])
            return
        } catch {
            logger.error("configuration reload refused; the running configuration stays", metadata: ["error": "\(type(of: error))"])
            return
        }
        let old = current.withLock { $0 }
        let before = Dictionary(old.entries.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.entries.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let changed = Set(before.keys).union(after.keys).filter { before[$0]?.value != after[$0]?.value }.sorted()
        // A queue this daemon does not run yet has no fetcher to change: that takes a restart.
        let running = Set(runtime.queueConcurrency.keys.map { "queue.\($0)" })
        func applies(_ key: String) -> Bool {
            Self.reloadable(key) && (!key.hasPrefix("queue.") || running.contains(key))
        }
        let applying = changed.filter(applies)
        let needRestart = changed.filter { !applies($0) }
        if !needRestart.isEmpty {
            logger.warning("configuration changes that need a restart were not applied", metadata: ["keys": "\(needRestart.joined(separator: ", "))"])
        }
        guard !applying.isEmpty else {
            logger.info("configuration reloaded: nothing to apply")
            return
        }

        var applied = old
        applied.log = new.log
        applied.log.format = old.log.format
        applied.queue.concurrency = new.queue.concurrency
        applied.notify = new.notify
        applied.matching = new.matching
        // The next reload compares with what runs: the applied keys' new entries, the others' old.
        applied.entries = (old.entries.filter { !applying.contains($0.key) } + new.entries.filter { applying.contains($0.key) })
            .sorted { $0.key < $1.key }
        current.withLock { $0 = applied }

        inputs.levels.level = applied.log.level
        runtime.reconfigure(concurrency: applied.queue.concurrency)
        if applying.contains(where: { $0.hasPrefix("notify.") }) {
            runtime.replaceWorkers { workers.registerNotify(applied, into: &$0) }
            dispatch.reroute(DaemonWorkers.routing(applied))
        }
        var rematch: Int?
        if applying.contains(where: { $0.hasPrefix("matching.") }) {
            // The new workers first, so no rematch job starts with the old ones.
            runtime.replaceWorkers { workers.registerMatching(applied, into: &$0) }
            runtime.matchingSettings = applied.matchingFingerprint
            do {
                rematch = try await pool.withTransaction { tx in
                    try await MatchingJobs.rematchEverything(meta: JobMeta(actor: "system:reload"), in: tx)
                }
            } catch {
                // Without the rematch the stored suggestions keep the old scores: go back to the old
                // settings whole, so the next SIGHUP finds the change again and retries.
                runtime.replaceWorkers { workers.registerMatching(old, into: &$0) }
                runtime.matchingSettings = old.matchingFingerprint
                current.withLock { now in
                    now.matching = old.matching
                    now.entries = now.entries.filter { !$0.key.hasPrefix("matching.") } + old.entries.filter { $0.key.hasPrefix("matching.") }
                }
                logger.error("new matching settings not applied: the rematch they need could not be enqueued; send SIGHUP again",
                             metadata: ["error": "\(error)"])
            }
        }
        let changes = applying.map { "\($0): \(before[$0]?.maskedValue ?? "-") → \(after[$0]?.maskedValue ?? "-")" }
        var metadata: Logger.Metadata = ["changed": "\(changes.joined(separator: "; "))"]
        if let rematch { metadata["rematch_jobs"] = "\(rematch)" }
        logger.notice("configuration reloaded", metadata: metadata)
    }
}

/// Turns SIGHUP into reloads, one at a time; a signal during a reload makes one more after it.
struct ConfigurationReloadService: Service {
    let reloader: ConfigurationReloader

    func run() async throws {
        let (signals, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // The default action of SIGHUP ends the process: ignore it, and take it from a dispatch source.
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        await cancelWhenGracefulShutdown { [reloader] in
            for await _ in signals { await reloader.reload() }
        }
        source.cancel()
        continuation.finish()
    }
}
