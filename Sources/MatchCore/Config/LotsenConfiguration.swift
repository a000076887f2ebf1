import Foundation
import Logging

/// The configuration of every Lotsen component, one section each (`[database]`, `[log]`, …).
///
/// Read with one precedence: command-line flags, `LOTSEN_*` environment variables, the TOML
/// file (`--config` or `LOTSEN_CONFIG`), defaults. Later components add a section here.
public struct LotsenConfiguration: Sendable {
    /// `[database]`.
    public var database: DatabaseConfiguration
    /// `[log]`.
    public var log: LogConfiguration
    /// `[queue]`.
    public var queue: QueueConfiguration
    /// `[http]`.
    public var http: HTTPConfiguration
    /// `[supports]`.
    public var supports: SupportsConfiguration
    /// `[matching]`.
    public var matching: MatchingConfiguration
    /// `[follow_along]`.
    public var followAlong: FollowAlongConfiguration
    /// `[notify]`.
    public var notify: NotifyConfiguration
    /// `[smtp]`.
    public var smtp: SMTPConfiguration
    /// `[webhooks]`.
    public var webhooks: WebhooksConfiguration
    /// Every key with its value and source, for `matchd --print-config`.
    public var entries: [ConfigurationEntry]

    /// Reads every section and refuses unknown keys.
    public init(reader: ConfigurationReader) throws {
        database = try DatabaseConfiguration(reader: reader)
        log = try LogConfiguration(reader: reader)
        queue = try QueueConfiguration(reader: reader)
        http = try HTTPConfiguration(reader: reader)
        supports = try SupportsConfiguration(reader: reader)
        matching = try MatchingConfiguration(reader: reader)
        followAlong = try FollowAlongConfiguration(reader: reader)
        notify = try NotifyConfiguration(reader: reader)
        smtp = try SMTPConfiguration(reader: reader)
        webhooks = try WebhooksConfiguration(reader: reader)
        // Every digest carries a one-click unsubscribe link, which needs the address users reach.
        if smtp.enabled && http.publicURL == nil {
            throw ConfigurationError(key: "http.public_url", source: "smtp.url \(smtp.url)",
                                     problem: "must be set when email is on: every email carries an unsubscribe link under it")
        }
        try reader.rejectUnknownKeys()
        entries = reader.effective
    }

    /// Loads from flags (`section.key` → value), the environment and the file it names.
    public static func load(flags: [String: String] = [:], configFile: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LotsenConfiguration {
        let path = configFile ?? environment["LOTSEN_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        return try LotsenConfiguration(reader: ConfigurationReader(flags: flags, environment: environment, filePath: path))
    }
}

/// `[database]`: where the database is and how Lotsen uses it.
public struct DatabaseConfiguration: Sendable {
    /// The libpq connection string; empty means libpq's own `PG*` variables.
    public var url: String
    /// The most connections one process opens.
    public var poolSize: Int
    /// How long a request waits for a free connection, in milliseconds.
    public var acquireTimeoutMilliseconds: Int
    /// Prepare statements once per connection (turn off behind a pooler in transaction mode).
    public var preparedStatements: Bool
    /// Apply pending migrations when `matchd` starts.
    public var migrateOnStart: Bool

    init(reader: ConfigurationReader) throws {
        url = try reader.string("database", "url", default: "")
        poolSize = try reader.int("database", "pool_size", default: 10, range: 1...500)
        acquireTimeoutMilliseconds = try reader.int("database", "acquire_timeout_ms", default: 10_000, range: 1...600_000)
        preparedStatements = try reader.bool("database", "prepared_statements", default: true)
        migrateOnStart = try reader.bool("database", "migrate_on_start", default: true)
    }

    /// The pool configuration these settings describe.
    public var poolConfiguration: PostgresPool.Configuration {
        var options = PostgresConnection.Options()
        options.usePreparedStatements = preparedStatements
        return PostgresPool.Configuration(conninfo: url, maxConnections: poolSize,
                                          acquireTimeout: .milliseconds(acquireTimeoutMilliseconds),
                                          connectionOptions: options)
    }
}

/// `[log]`: how much the programs log, and how.
public struct LogConfiguration: Sendable {
    /// How log lines are written.
    public enum Format: String, Sendable, CaseIterable {
        /// One JSON object per line, for a log collector.
        case json
        /// Plain text, for people.
        case text
        /// JSON when standard error is not a terminal, else text.
        case auto
    }

    /// The lowest level logged.
    public var level: Logger.Level
    /// How lines are written.
    public var format: Format

    init(reader: ConfigurationReader) throws {
        let names = Logger.Level.allCases.map(\.rawValue)
        level = Logger.Level(rawValue: try reader.choice("log", "level", default: "info", choices: names))!
        format = Format(rawValue: try reader.choice("log", "format", default: "auto", choices: Format.allCases.map(\.rawValue)))!
    }
}
