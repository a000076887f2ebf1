import Foundation

/// The cluster `matchctl dev` and every `--dev` program share, kept across runs.
///
/// It lives in `.lotsen/dev` under the current folder when the `postgres` user can reach it,
/// else in the system temp folder; `LOTSEN_DEV_DIR` chooses another folder.
public enum DevCluster {
    /// The database Lotsen uses in the dev cluster.
    public static let databaseName = "lotsen"

    /// The dev cluster's folder.
    public static func folder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let chosen = environment["LOTSEN_DEV_DIR"], !chosen.isEmpty {
            return URL(fileURLWithPath: chosen, isDirectory: true)
        }
        let local = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            .appendingPathComponent(".lotsen/dev", isDirectory: true)
        if serverUserCanReach(local.deletingLastPathComponent()), local.path.utf8.count < 90 {
            return local
        }
        return URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
            .appendingPathComponent("lotsen-dev-\(getuid())", isDirectory: true)
    }

    /// Starts the dev cluster if needed, creates the Lotsen database, migrates it, and returns its
    /// connection string.
    public static func ensureRunning(migrator: Migrator = Migrator()) async throws -> String {
        let cluster = try LocalPostgresCluster(folder: folder())
        let base = cluster.folder.deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try cluster.start()
        let admin = try await PostgresConnection.connect(cluster.connectionString())
        let exists = try await admin.query("SELECT 1 FROM pg_database WHERE datname = \(databaseName)")
        if exists.isEmpty {
            try await admin.execute("CREATE DATABASE \(identifier: databaseName)")
        }
        await admin.close()
        let conninfo = cluster.connectionString(database: databaseName)
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        try await migrator.migrate(on: connection)
        return conninfo
    }

    /// Drops the Lotsen database of the dev cluster (ending its sessions), then makes and migrates it
    /// again; returns its connection string.
    public static func reset(migrator: Migrator = Migrator()) async throws -> String {
        let cluster = try LocalPostgresCluster(folder: folder())
        try FileManager.default.createDirectory(atPath: cluster.folder.deletingLastPathComponent().path, withIntermediateDirectories: true)
        try cluster.start()
        let admin = try await PostgresConnection.connect(cluster.connectionString())
        do {
            try await admin.execute("DROP DATABASE IF EXISTS \(identifier: databaseName) WITH (FORCE)")
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        return try await ensureRunning(migrator: migrator)
    }

    /// Stops the dev cluster's server, keeping its data.
    public static func stop() throws {
        let cluster = try LocalPostgresCluster(folder: folder())
        try cluster.stop()
    }

    /// Whether the `postgres` user can reach `folder` (always, when not running as root).
    static func serverUserCanReach(_ folder: URL) -> Bool {
        guard ProcessRunner.isRoot else { return true }
        var path = folder.standardizedFileURL.path
        // Every existing ancestor must be searchable by others; folders still to be made will be.
        while path != "/" && !path.isEmpty {
            if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
               let mode = attributes[.posixPermissions] as? Int {
                if mode & 0o001 == 0 { return false }
            }
            path = (path as NSString).deletingLastPathComponent
        }
        return true
    }
}
