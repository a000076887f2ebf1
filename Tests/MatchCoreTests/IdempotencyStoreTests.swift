import Foundation
import Testing
@testable import MatchCore

@Suite("Idempotency keys")
struct IdempotencyStoreTests {
    @Test func aKeyIsClaimedOnceReplayedThenForgottenAfterItsRetention() async throws {
        try await withTestConnection { connection, _ in
            let store = IdempotencyStore()
            let forbund = try await connection.withTransaction { try await TenancyStore().createForbund(name: "I", in: $0) }
            let hash = IdempotencyStore.requestHash(method: "POST", path: "/v1/employers", body: Array("{}".utf8))
            let answer = IdempotencyStore.StoredResponse(status: 201, body: "{}", location: "/v1/employers/x", etag: "\"1\"")
            try await connection.withTransaction { tx in
                guard case .claimed = try await store.claim(forbundID: forbund.id, actor: "a", key: "k", requestHash: hash, in: tx) else {
                    Issue.record("a new key is claimed")
                    return
                }
                try await store.store(answer, forbundID: forbund.id, actor: "a", key: "k", in: tx)
            }
            let replay = try await connection.withTransaction {
                try await store.claim(forbundID: forbund.id, actor: "a", key: "k", requestHash: hash, in: $0)
            }
            guard case .replay(let stored) = replay else { Issue.record("a used key replays"); return }
            #expect(stored == answer)
            // Another actor's key of the same name is its own.
            let other = try await connection.withTransaction {
                try await store.claim(forbundID: forbund.id, actor: "b", key: "k", requestHash: hash, in: $0)
            }
            guard case .claimed = other else { Issue.record("keys are per actor"); return }

            try await connection.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE actor = 'a'")
            #expect(try await store.prune(on: connection) == 1)
            #expect(try await connection.query("SELECT actor FROM idempotency_keys").map { try $0.decode(String.self, "actor") } == ["b"])
        }
    }
}
