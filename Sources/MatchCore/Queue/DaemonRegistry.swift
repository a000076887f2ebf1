import Foundation

/// The `queue_daemons` table: which daemons run, since when, and their last heartbeat.
struct DaemonRegistry: Sendable {
    let clock: any JobClock
    static let version = "0.1.0"

    func register(id: String, queues: [String: Int], on connection: PostgresConnection) async throws {
        let now = clock.now()
        try await connection.execute("""
            INSERT INTO queue_daemons (id, host, pid, version, queues, started_at, heartbeat_at)
            VALUES (\(id), \(ProcessInfo.processInfo.hostName), \(Int(getpid())), \(Self.version),
                    \(PostgresJSONB(queues)), \(now), \(now))
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, stopped_at = NULL
            """)
    }

    func heartbeat(id: String, on connection: PostgresConnection) async throws {
        try await connection.execute("UPDATE queue_daemons SET heartbeat_at = \(clock.now()) WHERE id = \(id)")
    }

    func markStopped(id: String, on connection: PostgresConnection) async throws {
        try await connection.execute("UPDATE queue_daemons SET stopped_at = \(clock.now()) WHERE id = \(id)")
    }
}
