import Foundation
import Logging

/// Applies migrations in order, each in its own transaction, while holding an advisory lock so
/// that daemons starting at once never both migrate. Applied ones are recorded in
/// `schema_migrations` with their checksum.
public struct Migrator: Sendable {
    /// Where one migration stands in a database.
    public enum State: String, Sendable, Codable {
        /// Applied, and the file is unchanged.
        case applied
        /// Not applied yet.
        case pending
        /// Applied, but the file now differs from what was applied.
        case changed
        /// Applied by a binary that knows a migration this one does not.
        case unknown
    }

    /// One line of `status`.
    public struct Entry: Sendable, Codable {
        /// The migration's number.
        public var version: Int
        /// Its name.
        public var name: String
        /// Where it stands.
        public var state: State
        /// When it was applied.
        public var appliedAt: Date?
    }

    /// An applied migration's file changed.
    public struct ChangedMigrationError: Error, CustomStringConvertible {
        /// The migrations whose files changed.
        public var fileNames: [String]
        public var description: String {
            "applied migration changed since it was applied: \(fileNames.joined(separator: ", ")); "
                + "add a new migration instead of editing an applied one"
        }
    }

    /// The advisory lock key every Lotsen migrator takes ("Lotsen" in ASCII).
    public static let lockKey: Int64 = 0x4C6F_7473_656E

    /// The migrations this migrator knows.
    public let migrations: [Migration]
    private let logger: Logger

    /// A migrator for `migrations` (by default the ones embedded in the binary).
    public init(migrations: [Migration] = EmbeddedMigrations.all, logger: Logger = Logger(label: "lotsen.migrate")) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies every pending migration; returns those it applied. Refuses (and applies nothing)
    /// when an applied migration's file changed.
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> [Migration] {
        try await withLock(on: connection) {
            try await createTable(on: connection)
            let applied = try await appliedChecksums(on: connection)
            let changed = migrations.filter { migration in
                applied[migration.version].map { $0.checksum != migration.checksum } ?? false
            }
            guard changed.isEmpty else { throw ChangedMigrationError(fileNames: changed.map(\.fileName)) }
            var done: [Migration] = []
            for migration in migrations where applied[migration.version] == nil {
                try await connection.withTransaction { transaction in
                    try await transaction.connection.executeScript(migration.sql)
                    try await transaction.execute("""
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """)
                }
                logger.info("applied migration", metadata: ["migration": "\(migration.fileName)"])
                done.append(migration)
            }
            return done
        }
    }

    /// Every migration known here or recorded in the database, with where it stands.
    public func status(on connection: PostgresConnection) async throws -> [Entry] {
        let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        let applied = try exists[0].decode(Bool.self, "present") ? try await appliedChecksums(on: connection) : [:]
        var entries = migrations.map { migration -> Entry in
            guard let record = applied[migration.version] else {
                return Entry(version: migration.version, name: migration.name, state: .pending, appliedAt: nil)
            }
            return Entry(version: migration.version, name: migration.name,
                         state: record.checksum == migration.checksum ? .applied : .changed, appliedAt: record.appliedAt)
        }
        let known = Set(migrations.map(\.version))
        for (version, record) in applied where !known.contains(version) {
            entries.append(Entry(version: version, name: record.name, state: .unknown, appliedAt: record.appliedAt))
        }
        return entries.sorted { $0.version < $1.version }
    }

    /// Whether every known migration is applied unchanged (what `/readyz` asks).
    public func isUpToDate(on connection: PostgresConnection) async throws -> Bool {
        try await status(on: connection).allSatisfy { $0.state == .applied || $0.state == .unknown }
    }

    private func withLock<T>(on connection: PostgresConnection, _ body: () async throws -> T) async throws -> T {
        try await connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        do {
            let value = try await body()
            try await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
            return value
        } catch {
            _ = try? await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
            throw error
        }
    }

    private func createTable(on connection: PostgresConnection) async throws {
        try await connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
    }

    private func appliedChecksums(on connection: PostgresConnection) async throws
        -> [Int: (name: String, checksum: String, appliedAt: Date)] {
        let rows = try await connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations")
        var applied: [Int: (name: String, checksum: String, appliedAt: Date)] = [:]
        for row in rows {
            applied[try row.decode(Int.self, "version")] = (try row.decode(String.self, "name"),
                                                            try row.decode(String.self, "checksum"),
                                                            try row.decode(Date.self, "applied_at"))
        }
        return applied
    }
}
