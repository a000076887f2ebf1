import ArgumentParser
import Foundation
import MatchCore

/// Where the database is and how the program is configured; shared by every command.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "libpq connection string (URI or key=value); else LOTSEN_DATABASE_URL, else libpq's PG* variables.")
    var databaseURL: String?

    @Option(name: .long, help: "TOML configuration file; else LOTSEN_CONFIG.")
    var config: String?

    @Flag(name: .long, help: "Use the private development cluster of `matchctl dev`, starting it if needed.")
    var dev = false

    /// The configuration, with `--database-url` taking precedence.
    func loadConfiguration() throws -> LotsenConfiguration {
        var flags: [String: String] = [:]
        if let databaseURL { flags["database.url"] = databaseURL }
        do {
            return try LotsenConfiguration.load(flags: flags, configFile: config)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }

    /// The connection string to use: the dev cluster's with `--dev`, else the configured one.
    func connectionString() async throws -> String {
        if dev { return try await DevCluster.ensureRunning() }
        return try loadConfiguration().database.url
    }

    /// A connection for the length of `body`.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await using(try await PostgresConnection.connect(try await connectionString()), close: { await $0.close() }, body)
    }

    /// A small pool for the length of `body`.
    func withPool<T>(_ body: (PostgresPool) async throws -> T) async throws -> T {
        let pool = PostgresPool(configuration: .init(conninfo: try await connectionString(), maxConnections: 4))
        return try await using(pool, close: { await $0.close() }, body)
    }

    /// Runs `body` with `resource` and closes it however `body` ends.
    private func using<Resource, T>(_ resource: Resource, close: (Resource) async -> Void,
                                    _ body: (Resource) async throws -> T) async throws -> T {
        do {
            let value = try await body(resource)
            await close(resource)
            return value
        } catch {
            await close(resource)
            throw error
        }
    }
}
