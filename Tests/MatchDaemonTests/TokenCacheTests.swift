import Foundation
import Testing
@testable import MatchCore

/// Verified tokens are kept in each matchd's memory; a revocation or a deactivation made by
/// matchctl (another process) is refused by every daemon within a second.
@Suite("Token cache across daemons", .serialized)
struct TokenCacheTests {
    static func matchctl(_ arguments: [String]) async throws -> String {
        let path = BuiltProducts.url("matchctl").path
        return try await offCooperativePool { try ProcessRunner.run(path, arguments, asServerUser: false) }
    }

    /// Polls `/v1/me` with `token` on every base at once until each answers 401; the latest of the
    /// times the first refused request was sent, in seconds from now, or nil after `limit` + 2 s.
    static func refusedEverywhere(_ bases: [String], token: String, within limit: Double = 1.0) async throws -> Double? {
        let started = ContinuousClock.now
        return try await withThrowingTaskGroup(of: Double?.self) { group in
            for base in bases {
                group.addTask {
                    while (ContinuousClock.now - started).inSeconds < limit + 2 {
                        let sent = (ContinuousClock.now - started).inSeconds
                        if try await APIClient(base: base, token: token).get("/v1/me").status == 401 { return sent }
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    return nil
                }
            }
            var latest: Double? = 0
            for try await one in group { latest = one.flatMap { one in latest.map { max($0, one) } } }
            return latest
        }
    }

    @Test func aRevocationAndADeactivationByMatchctlReachEveryDaemonWithinASecond() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let ports = [try freePort(), try freePort(), try freePort()]
        let daemons = try [
            DaemonProcess(conninfo: conninfo, extra: ["LOTSEN_HTTP_PORT": String(ports[0])]),
            DaemonProcess(conninfo: conninfo, extra: ["LOTSEN_HTTP_PORT": String(ports[1])]),
            // Poll-only: no notifications reach it, so its entries live a second at most.
            DaemonProcess(conninfo: conninfo, extra: ["LOTSEN_HTTP_PORT": String(ports[2]), "LOTSEN_QUEUE_POLL_ONLY": "true"]),
        ]
        defer { daemons.forEach { $0.terminate() } }
        let bases = ports.map { "http://127.0.0.1:\($0)" }
        for (base, daemon) in zip(bases, daemons) {
            #expect(try await waitUntil(timeout: .seconds(30)) { (try? await APIClient(base: base).get("/readyz"))?.status == 200 },
                    "\(daemon.log)")
        }
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        let (forbund, revoked, deactivated) = try await connection.withTransaction { tx in
            let forbund = try await TenancyStore().createForbund(name: "Cache", in: tx)
            let kim = try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: "Kim", email: "kim@cache.se", in: tx)
            let ali = try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: "Ali", email: "ali@cache.se", in: tx)
            return (forbund, try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: kim.id, in: tx),
                    try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: ali.id, in: tx).token)
        }
        // Each daemon verifies both tokens once and keeps them.
        for base in bases {
            for token in [revoked.token, deactivated] {
                for _ in 0..<3 { #expect(try await APIClient(base: base, token: token).get("/v1/me").status == 200) }
            }
        }

        _ = try await Self.matchctl(["tokens", "revoke", revoked.id.uuidString.lowercased(), "--database-url", conninfo])
        let afterRevoke = try await Self.refusedEverywhere(bases, token: revoked.token)
        #expect(afterRevoke.map { $0 <= 1.0 } == true, "refused by every daemon after \(afterRevoke.map { "\($0) s" } ?? "never")")

        _ = try await Self.matchctl(["users", "deactivate", "--forbund", forbund.name, "ali@cache.se", "--database-url", conninfo])
        let afterDeactivation = try await Self.refusedEverywhere(bases, token: deactivated)
        #expect(afterDeactivation.map { $0 <= 1.0 } == true, "refused by every daemon after \(afterDeactivation.map { "\($0) s" } ?? "never")")

        // The cache really answers: a revocation that notifies nothing is still accepted by the
        // listening daemons, and refused by the poll-only one once its entry's second is over.
        let silent = try await connection.withTransaction { tx in
            try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: nil, in: tx)
        }
        for base in bases { #expect(try await APIClient(base: base, token: silent.token).get("/v1/me").status == 200) }
        try await connection.withTransaction { tx in
            try await tx.execute("ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_auth_changed")
            try await tx.execute("UPDATE api_tokens SET revoked_at = now() WHERE id = \(silent.id)")
            try await tx.execute("ALTER TABLE api_tokens ENABLE TRIGGER api_tokens_auth_changed")
        }
        #expect(try await Self.refusedEverywhere([bases[2]], token: silent.token, within: 1.0).map { $0 <= 1.2 } == true)
        for base in bases.prefix(2) {
            #expect(try await APIClient(base: base, token: silent.token).get("/v1/me").status == 200, "served from memory")
        }
        try await connection.execute("SELECT pg_notify('lotsen_auth', 'test')")
        #expect(try await Self.refusedEverywhere(Array(bases.prefix(2)), token: silent.token).map { $0 <= 1.0 } == true)

        // A last use is still recorded (batched, at most once a minute per token).
        let used = try await connection.query("SELECT count(*) AS n FROM api_tokens WHERE last_used_at IS NOT NULL")[0].decode(Int.self, "n")
        #expect(used == 3)
    }
}
