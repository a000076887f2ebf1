import Foundation

/// Checks an installation the way its operator would by hand: the database, the schema, the
/// daemons and their clocks and settings, the queues and the jobs table. Each finding says what
/// is wrong and what to do; `matchctl doctor` exits non-zero when any is a problem.
public struct Doctor: Sendable {
    /// One check's result.
    public struct Finding: Sendable, Codable, Equatable {
        /// What was checked (`database`, `migrations`, `daemons`, …).
        public var check: String
        /// Whether it is a problem.
        public var ok: Bool
        /// What was found.
        public var summary: String
        /// What to do, for a problem.
        public var advice: String?
    }

    /// How far from the database's clock a daemon's may be before timestamps and leases suffer.
    public var maxClockSkewMilliseconds = 2000.0
    /// How long an available job may wait before its queue counts as behind.
    public var oldAvailableSeconds = 300.0
    /// Dead tuples in `jobs` above this count, and above a fifth of the live ones, mean vacuum is behind.
    public var deadTupleThreshold = 50_000

    /// A doctor with the default thresholds.
    public init() {}

    /// Every finding for the database at `conninfo`; an unreachable database is one finding, not an error.
    public func examine(conninfo: String) async -> [Finding] {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(conninfo)
        } catch {
            return [Finding(check: "database", ok: false, summary: "unreachable: \(error)",
                            advice: "start PostgreSQL or correct [database] url (LOTSEN_DATABASE_URL); `pg_isready` tells whether it listens")]
        }
        var findings: [Finding] = []
        do {
            findings = try await examine(connection)
        } catch {
            findings.append(Finding(check: "database", ok: false, summary: "a check failed: \(error)",
                                    advice: "see the error; the role needs read access to Lotsen's tables and pg_stat_user_tables"))
        }
        await connection.close()
        return findings
    }

    /// A migration as its file is named, without the extension: `0014_daemon_settings`.
    static func label(_ entry: Migrator.Entry) -> String { String(format: "%04d_", entry.version) + entry.name }

    private func examine(_ connection: PostgresConnection) async throws -> [Finding] {
        var findings: [Finding] = []
        let server = try await connection.query("SELECT current_setting('server_version') AS version, current_setting('server_version_num')::int AS number")[0]
        let version = try server.decode(String.self, "version"), number = try server.decode(Int.self, "number")
        findings.append(number >= 130_000
            ? Finding(check: "database", ok: true, summary: "reachable, PostgreSQL \(version)")
            : Finding(check: "database", ok: false, summary: "PostgreSQL \(version) is too old", advice: "Lotsen needs PostgreSQL 13 or later"))

        let entries = try await Migrator().status(on: connection)
        let pending = entries.filter { $0.state == .pending }, changed = entries.filter { $0.state == .changed }
        let unknown = entries.filter { $0.state == .unknown }
        if !changed.isEmpty {
            findings.append(Finding(check: "migrations", ok: false, summary: "changed since applied: \(changed.map(Self.label).joined(separator: ", "))",
                                    advice: "an applied migration's file differs from this build's; deploy the build the database was migrated with"))
        }
        if !pending.isEmpty {
            findings.append(Finding(check: "migrations", ok: false,
                                    summary: "\(pending.count) pending: \(pending.map(Self.label).joined(separator: ", "))",
                                    advice: "run `matchctl migrate` (matchd applies them at start unless [database] migrate_on_start = false)"))
        }
        if !unknown.isEmpty {
            findings.append(Finding(check: "migrations", ok: false, summary: "applied but unknown to this build: \(unknown.map(Self.label).joined(separator: ", "))",
                                    advice: "the database was migrated by a newer build; upgrade matchctl and matchd"))
        }
        if pending.isEmpty && changed.isEmpty && unknown.isEmpty {
            findings.append(Finding(check: "migrations", ok: true, summary: "all \(entries.count) applied"))
        }
        // The rest reads Lotsen's tables, which a database without the schema lacks.
        guard !entries.contains(where: { $0.state == .pending && $0.version <= 14 }) else { return findings }

        let daemons = try await connection.query("""
            SELECT d.id, d.host, d.pid, d.clock_skew_ms, d.matching_settings,
                   EXISTS (SELECT 1 FROM queue_leader l WHERE l.daemon_id = d.id AND l.expires_at > now()) AS leader
            FROM queue_daemons d
            WHERE d.stopped_at IS NULL AND d.heartbeat_at > now() - interval '1 minute'
            ORDER BY d.started_at
            """)
        if daemons.isEmpty {
            findings.append(Finding(check: "daemons", ok: false, summary: "no matchd is alive (none heartbeat in the last minute)",
                                    advice: "start matchd (`systemctl start matchd`); without one no job runs and the API is down"))
        } else {
            let leaders = try daemons.filter { try $0.decode(Bool.self, "leader") }.map { try $0.decode(String.self, "id") }
            findings.append(Finding(check: "daemons", ok: leaders.count == 1,
                                    summary: "\(daemons.count) alive; leader: \(leaders.first ?? "none")",
                                    advice: leaders.count == 1 ? nil : "no daemon holds the maintenance lead; it is taken within a lease, check again shortly"))
            var skewed: [String] = []
            var fingerprints: [String: [String]] = [:]
            for row in daemons {
                let id = try row.decode(String.self, "id")
                if let skew = try row.decode(Double?.self, "clock_skew_ms"), abs(skew) > maxClockSkewMilliseconds {
                    skewed.append("\(id) \(Int(skew)) ms")
                }
                fingerprints[try row.decode(String?.self, "matching_settings") ?? "unknown", default: []].append(id)
            }
            findings.append(skewed.isEmpty
                ? Finding(check: "clocks", ok: true, summary: "every daemon within \(Int(maxClockSkewMilliseconds)) ms of the database")
                : Finding(check: "clocks", ok: false, summary: "clock skew: \(skewed.joined(separator: ", "))",
                          advice: "run NTP (chrony or systemd-timesyncd) on the daemons' and the database's hosts"))
            findings.append(fingerprints.count == 1
                ? Finding(check: "matching settings", ok: true, summary: "the same on every daemon (\(fingerprints.keys.first!))")
                : Finding(check: "matching settings", ok: false,
                          summary: "differ: " + fingerprints.sorted { $0.key < $1.key }.map { "\($0.key) on \($0.value.joined(separator: ", "))" }
                              .joined(separator: "; "),
                          advice: "give every daemon the same [matching] and [supports] settings and reload them (SIGHUP); suggestions depend on them"))
        }

        let queues = try await connection.query("""
            SELECT queue,
                   count(*) FILTER (WHERE state = 'running' AND lease_expires_at < now() - interval '1 minute') AS stuck,
                   extract(epoch FROM now() - min(scheduled_at) FILTER (WHERE state = 'available'))::float8 AS oldest
            FROM jobs WHERE state IN ('available', 'running') GROUP BY queue ORDER BY queue
            """)
        var queueProblems: [String] = []
        for row in queues {
            let queue = try row.decode(String.self, "queue")
            let stuck = try row.decode(Int.self, "stuck")
            if stuck > 0 { queueProblems.append("\(queue): \(stuck) running job(s) past their lease") }
            if let oldest = try row.decode(Double?.self, "oldest"), oldest > oldAvailableSeconds {
                queueProblems.append("\(queue): oldest available job waits \(Int(oldest)) s")
            }
        }
        findings.append(queueProblems.isEmpty
            ? Finding(check: "queues", ok: true, summary: "no stuck or old jobs")
            : Finding(check: "queues", ok: false, summary: queueProblems.joined(separator: "; "),
                      advice: "`matchctl status` shows the daemons and queues; a queue may be paused (`matchctl queues resume`), "
                          + "have no daemon running it ([queue] concurrency), or a daemon may have died (the leader rescues lapsed leases)"))

        let tuples = try await connection.query("""
            SELECT coalesce(n_dead_tup, 0) AS dead, coalesce(n_live_tup, 0) AS live,
                   extract(epoch FROM now() - greatest(last_autovacuum, last_vacuum))::float8 AS since
            FROM pg_stat_user_tables WHERE relname = 'jobs' AND schemaname = current_schema()
            """).first
        if let tuples {
            let dead = try tuples.decode(Int.self, "dead"), live = try tuples.decode(Int.self, "live")
            let behind = dead > deadTupleThreshold && dead * 5 > live
            findings.append(Finding(check: "jobs table", ok: !behind, summary: "\(dead) dead and \(live) live tuples",
                                    advice: behind ? "vacuum is behind on jobs: run `VACUUM jobs` and lower its autovacuum_vacuum_scale_factor" : nil))
        }
        return findings
    }
}
