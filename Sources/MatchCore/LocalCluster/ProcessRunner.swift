import Foundation

/// Runs programs to completion (the PostgreSQL server programs as the `postgres` user when this
/// process is root, since the server refuses to run as root).
public enum ProcessRunner {
    /// A program exited with a status other than 0.
    public struct Failure: Error, CustomStringConvertible {
        /// The command line.
        public var command: String
        /// The exit status.
        public var status: Int32
        /// What it printed.
        public var output: String
        public var description: String { "\(command) exited with status \(status): \(output)" }
    }

    static var isRoot: Bool { getuid() == 0 }

    /// Runs `program` with `arguments`; returns its output; throws with its output on failure.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String], asServerUser: Bool = true,
                    environment: [String: String] = [:]) throws -> String {
        var argv = [program] + arguments
        var executable = program
        if asServerUser && isRoot {
            executable = "/usr/sbin/runuser"
            argv = [executable, "-u", "postgres", "--"] + argv
        }
        var env = ProcessInfo.processInfo.environment
        // The server programs must not pick up a caller's connection settings.
        for key in env.keys where key.hasPrefix("PG") { env.removeValue(forKey: key) }
        env["LC_ALL"] = "C.UTF-8"
        env.merge(environment) { $1 }
        // Output goes to a file, not a pipe: a server started by pg_ctl may inherit a pipe's
        // write end and keep it open, so reading to its end would never return.
        let outputPath = NSTemporaryDirectory() + "lotsen-cmd-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        let status = try spawnAndWait(executable, argv, env.map { "\($0.key)=\($0.value)" }, outputPath: outputPath)
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw Failure(command: argv.joined(separator: " "), status: status,
                          output: text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return text
    }

    /// posix_spawn and waitpid: Foundation's Process does not reliably reap its children when
    /// called from a thread of the concurrency pool.
    private static func spawnAndWait(_ executable: String, _ argv: [String], _ env: [String],
                                     outputPath: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        // A thread of the concurrency pool may block signals, and a child inherits the mask
        // (pgbench -T would never see its SIGALRM): start children with none blocked.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, cArgs, cEnv)
        guard spawned == 0 else {
            throw LocalPostgresError.command("could not start \(executable): errno \(spawned)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw LocalPostgresError.command("waitpid failed: errno \(errno)") }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import as functions.
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// The uid and gid of the `postgres` user, when this process is root.
    static func serverUser() throws -> (uid: uid_t, gid: gid_t)? {
        guard isRoot else { return nil }
        guard let entry = getpwnam("postgres") else {
            throw LocalPostgresError.missingServerUser
        }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// Hands `path` to the server user (when root), so the server can write there.
    static func giveToServerUser(_ path: String) throws {
        guard let user = try serverUser() else { return }
        guard chown(path, user.uid, user.gid) == 0 else {
            throw LocalPostgresError.folder(path, "chown to postgres failed (errno \(errno))")
        }
    }
}
