import Foundation
import Testing
@testable import MatchCore

@Suite("Operator actions on the queue")
struct QueueAdminTests {
    @Test func cancelRetryDiscardAndStatus() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 2))
        let admin = QueueAdmin(pool: pool)
        let results = try await admin.enqueue(JobInsert(kind: "noop", queue: "matching"), count: 3)
        let ids = results.compactMap { if case .inserted(let id) = $0 { id } else { nil } }
        #expect(ids.count == 3)
        #expect(try await admin.cancel(ids[0]) == .available)
        #expect(try await admin.show(ids[0])?.state == .cancelled)
        #expect(try await admin.discard(ids[1]))
        #expect(try await admin.show(ids[1])?.state == .discarded)
        #expect(try await admin.discard(ids[1]) == false)
        #expect(try await admin.retry(ids[1]))
        #expect(try await admin.show(ids[1])?.state == .available)
        #expect(try await admin.cancel(999_999) == nil)
        try await admin.pause("matching", by: "test")
        let status = try await admin.status()
        let matching = try #require(status.queues.first { $0.queue == "matching" })
        #expect(matching.paused)
        #expect(matching.states["available"] == 2)
        #expect(matching.states["cancelled"] == 1)
        let listed = try await admin.list(state: .available, queue: "matching")
        #expect(Set(listed.map(\.id)) == Set([ids[1], ids[2]]))
        await pool.close()
    }
}
