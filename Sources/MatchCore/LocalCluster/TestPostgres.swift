import Foundation

/// Databases for tests: one throwaway cluster per test process, a fresh database per suite,
/// copied from a migrated template so that suites can run in parallel.
///
/// `LOTSEN_TEST_DATABASE_URL` points the tests at an existing server instead (its user needs
/// CREATEDB). A cluster left behind by a killed test run is stopped and removed on the next start.
public actor TestPostgres {
    /// The one per process.
    public static let shared = TestPostgres()

    /// Where throwaway clusters live: short, so socket paths stay under the limit.
    public static let baseFolder = URL(fileURLWithPath: "/tmp/lotsen-test", isDirectory: true)

    private var serverConninfo: String?
    private var templateTask: Task<String, any Error>?
    private var counter = 0

    /// A new, migrated database; returns its connection string.
    public func makeDatabase(migrated: Bool = true) async throws -> String {
        let server = try await server()
        let template = migrated ? try await template(server) : "template0"
        counter += 1
        let name = "lotsen_test_\(getpid())_\(counter)"
        let admin = try await PostgresConnection.connect(server)
        defer { Task { await admin.close() } }
        try await admin.execute("CREATE DATABASE \(identifier: name) TEMPLATE \(identifier: template)")
        return ConnectionString.replacingDatabase(in: server, with: name)
    }

    /// The server's connection string (to its `postgres` database).
    public func server() async throws -> String {
        if let serverConninfo { return serverConninfo }
        let conninfo: String
        if let url = ProcessInfo.processInfo.environment["LOTSEN_TEST_DATABASE_URL"], !url.isEmpty {
            conninfo = url
        } else {
            let cluster = try Self.makeThrowawayCluster(name: String(getpid()))
            ClusterCleanup.register(cluster)
            conninfo = cluster.connectionString()
        }
        serverConninfo = conninfo
        return conninfo
    }

    private func template(_ server: String) async throws -> String {
        // Suites ask at once; the first makes the template, the others wait for it.
        if let templateTask { return try await templateTask.value }
        let task = Task { try await Self.makeTemplate(server) }
        templateTask = task
        return try await task.value
    }

    private static func makeTemplate(_ server: String) async throws -> String {
        let name = "lotsen_template_\(getpid())"
        let admin = try await PostgresConnection.connect(server)
        try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name)")
        try await admin.execute("CREATE DATABASE \(identifier: name) TEMPLATE template0")
        await admin.close()
        let connection = try await PostgresConnection.connect(ConnectionString.replacingDatabase(in: server, with: name))
        try await Migrator().migrate(on: connection)
        await connection.close()
        return name
    }

    /// A started cluster of its own (for a test that restarts or stops the server); the caller
    /// destroys it. Stale clusters of dead processes are cleaned up first.
    public static func makeThrowawayCluster(name: String) throws -> LocalPostgresCluster {
        try FileManager.default.createDirectory(at: baseFolder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        removeStaleClusters()
        let cluster = try LocalPostgresCluster(folder: baseFolder.appendingPathComponent(name, isDirectory: true),
                                               settings: .throwaway)
        try FileManager.default.createDirectory(at: cluster.folder, withIntermediateDirectories: true)
        try String(getpid()).write(to: cluster.folder.appendingPathComponent("owner.pid"), atomically: true,
                                   encoding: .utf8)
        try cluster.start()
        return cluster
    }

    /// Stops and removes clusters whose owning process is gone.
    static func removeStaleClusters() {
        let folders = (try? FileManager.default.contentsOfDirectory(at: baseFolder, includingPropertiesForKeys: nil)) ?? []
        for folder in folders {
            let ownerFile = folder.appendingPathComponent("owner.pid")
            guard let text = try? String(contentsOf: ownerFile, encoding: .utf8),
                  let owner = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { continue }
            if owner == getpid() || kill(owner, 0) == 0 || errno != ESRCH { continue }
            if let cluster = try? LocalPostgresCluster(folder: folder, settings: .throwaway) {
                cluster.destroy()
            }
        }
    }
}

/// Stops the process's throwaway clusters when it exits.
enum ClusterCleanup {
    nonisolated(unsafe) private static var clusters: [LocalPostgresCluster] = []
    private static let lock = NSLock()
    nonisolated(unsafe) private static var registered = false

    static func register(_ cluster: LocalPostgresCluster) {
        lock.lock()
        defer { lock.unlock() }
        clusters.append(cluster)
        if !registered {
            registered = true
            atexit { ClusterCleanup.destroyAll() }
        }
    }

    static func destroyAll() {
        lock.lock()
        let all = clusters
        clusters.removeAll()
        lock.unlock()
        for cluster in all { cluster.destroy() }
    }
}
