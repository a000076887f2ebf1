import Foundation

/// A PostgreSQL cluster of its own in a folder, for development and tests: made with the
/// installed `initdb`, listening only on a Unix socket in that folder, run as `postgres` when
/// this process is root.
///
/// Layout of the folder: `data/` (the cluster), `server.log`, `owner.pid` (the process that
/// owns a throwaway cluster) and the socket `.s.PGSQL.5432`.
public struct LocalPostgresCluster: Sendable {
    /// Server settings beyond the defaults.
    public struct Settings: Sendable {
        /// `max_connections`; tests run many pools at once.
        public var maxConnections = 300
        /// Skip fsync: much faster, and safe for data that may be lost (tests).
        public var durable = true
        /// `shared_buffers`.
        public var sharedBuffers = "128MB"

        /// Defaults: durable, 300 connections.
        public init() {}

        /// For tests: not durable.
        public static var throwaway: Settings {
            var settings = Settings()
            settings.durable = false
            return settings
        }
    }

    /// The cluster's folder (holding `data/` and the socket).
    public let folder: URL
    /// The server settings.
    public let settings: Settings
    /// The folder of `initdb`, `pg_ctl` and `postgres`.
    public let binDirectory: String
    /// The socket's port number (only a name here: the cluster opens no TCP port).
    public let port = 5432

    /// A cluster in `folder` (created when started).
    public init(folder: URL, settings: Settings = Settings()) throws {
        self.folder = folder
        self.settings = settings
        self.binDirectory = try Self.findBinDirectory()
        let socket = folder.appendingPathComponent(".s.PGSQL.\(port)").path
        guard socket.utf8.count <= 107 else { throw LocalPostgresError.socketPathTooLong(socket) }
    }

    var dataDirectory: String { folder.appendingPathComponent("data").path }
    var logFile: String { folder.appendingPathComponent("server.log").path }

    /// A libpq connection string for `database` as the superuser `postgres`.
    public func connectionString(database: String = "postgres") -> String {
        "host=\(folder.path) port=\(port) user=postgres dbname=\(database)"
    }

    /// Whether the cluster's server is running.
    public var isRunning: Bool {
        (try? ProcessRunner.run(pgCtl, ["-D", dataDirectory, "status"])) != nil
    }

    /// Creates the cluster if needed and starts its server if it is not running.
    public func start() throws {
        try makeFolder()
        if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            try initialize()
        }
        if isRunning { return }
        try? FileManager.default.removeItem(atPath: dataDirectory + "/postmaster.pid")
        var options = [
            "-k", folder.path, "-p", String(port), "-c", "listen_addresses=",
            "-c", "max_connections=\(settings.maxConnections)", "-c", "shared_buffers=\(settings.sharedBuffers)",
        ]
        if !settings.durable {
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        }
        do {
            try ProcessRunner.run(pgCtl, ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60",
                                          "-o", options.joined(separator: " "), "start"])
        } catch {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8))?.suffix(2000) ?? ""
            throw LocalPostgresError.command("starting PostgreSQL failed: \(error)\n\(log)")
        }
    }

    /// Stops the server (fast: sessions are ended).
    public func stop(immediate: Bool = false) throws {
        guard isRunning else { return }
        try ProcessRunner.run(pgCtl, ["-D", dataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "stop"])
    }

    /// Restarts the server; clients lose their sessions.
    public func restart() throws {
        try ProcessRunner.run(pgCtl, ["-D", dataDirectory, "-l", logFile, "-m", "fast", "-w", "restart"])
    }

    /// Stops the server and deletes the folder.
    public func destroy() {
        try? stop(immediate: true)
        try? FileManager.default.removeItem(at: folder)
    }

    private var pgCtl: String { binDirectory + "/pg_ctl" }

    private func makeFolder() throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw LocalPostgresError.folder(folder.path, "could not be created: \(error)")
        }
        try ProcessRunner.giveToServerUser(folder.path)
    }

    private func initialize() throws {
        do {
            try ProcessRunner.run(binDirectory + "/initdb", [
                "-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ])
        } catch {
            throw LocalPostgresError.command("initdb failed: \(error)")
        }
    }

    /// Finds the server programs: `pg_config --bindir`, `/usr/lib/postgresql/*/bin` (newest), then PATH.
    public static func findBinDirectory() throws -> String {
        var searched: [String] = []
        func hasServer(_ dir: String) -> Bool {
            searched.append(dir)
            return FileManager.default.isExecutableFile(atPath: dir + "/initdb")
                && FileManager.default.isExecutableFile(atPath: dir + "/pg_ctl")
        }
        if let configured = try? ProcessRunner.run("/usr/bin/env", ["pg_config", "--bindir"], asServerUser: false)
            .trimmingCharacters(in: .whitespacesAndNewlines), !configured.isEmpty, hasServer(configured) {
            return configured
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for version in versions where hasServer("\(root)/\(version)/bin") {
            return "\(root)/\(version)/bin"
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        where hasServer(dir) {
            return dir
        }
        throw LocalPostgresError.binariesNotFound(searched: searched)
    }
}
