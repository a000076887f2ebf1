import Foundation

/// The `queue_daemons` table: which daemons run, since when, and their last heartbeat.
struct DaemonRegistry: Sendable {
    let clock: any JobClock
    static let version = "0.1.0"

    func register(id: String, queues: [String: Int], matchingSettings: String?, on connection: PostgresConnection) async throws {
        let now = clock.now()
        try await connection.execute("""
            INSERT INTO queue_daemons (id, host, pid, version, queues, started_at, heartbeat_at, clock_skew_ms, matching_settings)
            VALUES (\(id), \(ProcessInfo.processInfo.hostName), \(Int(getpid())), \(Self.version),
                    \(PostgresJSONB(queues)), \(now), \(now), extract(epoch FROM \(now)::timestamptz - clock_timestamp()) * 1000, \(matchingSettings))
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, stopped_at = NULL,
                clock_skew_ms = EXCLUDED.clock_skew_ms, matching_settings = EXCLUDED.matching_settings, queues = EXCLUDED.queues
            """)
    }

    /// The daemon's time, its skew against the database's clock, and what it runs now (SIGHUP may change it).
    func heartbeat(id: String, queues: [String: Int], matchingSettings: String?, on connection: PostgresConnection) async throws {
        let now = clock.now()
        try await connection.execute("""
            UPDATE queue_daemons SET heartbeat_at = \(now), clock_skew_ms = extract(epoch FROM \(now)::timestamptz - clock_timestamp()) * 1000,
                matching_settings = \(matchingSettings), queues = \(PostgresJSONB(queues))
            WHERE id = \(id)
            """)
    }

    func markStopped(id: String, on connection: PostgresConnection) async throws {
        try await connection.execute("UPDATE queue_daemons SET stopped_at = \(clock.now()) WHERE id = \(id)")
    }
}
