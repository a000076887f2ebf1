import Foundation
import Synchronization

/// Leadership among daemons for the maintenance loops: a row in `queue_leader` with an expiry,
/// taken when it lapsed and renewed by its holder. Only one daemon holds it at a time.
final class LeaderElection: Sendable {
    static let name = "maintenance"
    let daemonID: String
    let lease: Duration
    let clock: any JobClock
    private let leading = Atomic<Bool>(false)

    init(daemonID: String, lease: Duration, clock: any JobClock) {
        self.daemonID = daemonID
        self.lease = lease
        self.clock = clock
    }

    /// Whether this daemon led at its last election round.
    var isLeader: Bool { leading.load(ordering: .relaxed) }

    /// Takes or renews the lease; returns whether this daemon now leads.
    @discardableResult
    func elect(on connection: PostgresConnection) async throws -> Bool {
        let now = clock.now()
        let rows = try await connection.query("""
            INSERT INTO queue_leader (name, daemon_id, elected_at, expires_at)
            VALUES (\(Self.name), \(daemonID), \(now), \(now.addingTimeInterval(lease.inSeconds)))
            ON CONFLICT (name) DO UPDATE SET
                daemon_id = EXCLUDED.daemon_id,
                elected_at = CASE WHEN queue_leader.daemon_id = EXCLUDED.daemon_id THEN queue_leader.elected_at
                                  ELSE EXCLUDED.elected_at END,
                expires_at = EXCLUDED.expires_at
            WHERE queue_leader.expires_at < \(now) OR queue_leader.daemon_id = EXCLUDED.daemon_id
            RETURNING daemon_id
            """)
        let leads = !rows.isEmpty
        leading.store(leads, ordering: .relaxed)
        return leads
    }

    /// Gives up the lease (on shutdown), so another daemon takes over at once.
    func resign(on connection: PostgresConnection) async throws {
        leading.store(false, ordering: .relaxed)
        try await connection.execute("DELETE FROM queue_leader WHERE name = \(Self.name) AND daemon_id = \(daemonID)")
    }
}
