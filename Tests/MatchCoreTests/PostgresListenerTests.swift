import Foundation
import Testing
@testable import MatchCore

@Suite("LISTEN/NOTIFY")
struct PostgresListenerTests {
    @Test func notificationsArriveInOrder() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let listener = PostgresListener(conninfo: conninfo)
        let events = listener.events()
        listener.start()
        await listener.listen("lotsen_test")
        let sender = try await PostgresConnection.connect(conninfo)
        for n in 0..<200 {
            try await sender.query("SELECT pg_notify(\("lotsen_test"), \(String(n)))")
        }
        var received: [String] = []
        for await event in events {
            if case .notification(let note) = event { received.append(note.payload) }
            if received.count == 200 { break }
        }
        #expect(received == (0..<200).map(String.init))
        listener.stop()
        await sender.close()
    }

    @Test func reconnectsAfterAServerRestart() async throws {
        let cluster = try TestPostgres.makeThrowawayCluster(name: "restart-\(getpid())")
        defer { cluster.destroy() }
        let conninfo = cluster.connectionString()
        let listener = PostgresListener(conninfo: conninfo)
        let events = listener.events()
        listener.start()
        await listener.listen("jobs")
        try cluster.restart()
        var iterator = events.makeAsyncIterator()
        var sawReconnect = false
        var payloads: [String] = []
        let deadline = ContinuousClock.now + .seconds(30)
        // Send until the reconnected listener receives: the caller does nothing else.
        let sender = Task {
            var n = 0
            while !Task.isCancelled, ContinuousClock.now < deadline {
                if let connection = try? await PostgresConnection.connect(conninfo) {
                    _ = try? await connection.query("SELECT pg_notify('jobs', \(String(n)))")
                    await connection.close()
                    n += 1
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        while payloads.count < 3, let event = await iterator.next() {
            switch event {
            case .reconnected: sawReconnect = true
            case .notification(let note): if sawReconnect { payloads.append(note.payload) }
            }
        }
        sender.cancel()
        #expect(sawReconnect)
        #expect(payloads.count == 3)
        listener.stop()
    }
}
