import Foundation
import Testing
@testable import MatchCore

@Suite("The inbox: every event delivered to its recipients, read and streamed live", .serialized)
struct InboxTests {
    @Test func anEmployersOfferReachesTheCoordinatorsInboxAndStreamAndNewSuggestionsAreOneEntry() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Inkorg")
        let lena = APIClient(base: running.base, token: try await userToken(running, forbundID: people.forbund.id, userID: people.lena))
        let lenaToken = try await userToken(running, forbundID: people.forbund.id, userID: people.lena)
        let stream = try InboxStreamClient(base: running.base, token: lenaToken)
        defer { stream.close() }
        #expect(try await stream.started(), "\(stream.text)")
        #expect(try await openInboxStreams(running.base) == 1)

        // The employer opens an offer: Lena, who follows the employer, hears of it live and in her inbox.
        let employer = people.employerID.uuidString.lowercased()
        let opened = try await people.employer.post("/v1/employers/\(employer)/offers",
                                                    offerBody(["status": "open", "title": "Diskare"]))
        let offer = try #require(opened.json["id"] as? String, "\(opened.text)")
        #expect(try await waitUntil(timeout: .seconds(30)) { stream.events.contains { $0.type == "offer.opened" } }, "\(stream.text)")
        let live = try #require(stream.events.first { $0.type == "offer.opened" })
        #expect(live.data["offer_id"] as? String == offer)
        #expect(live.data["text"] as? String == "Linköpings kommun öppnade ”Diskare”", "\(live.data)")
        #expect((live.data["links"] as? [[String: Any]])?.map { $0["path"] as? String } == ["/v1/offers/\(offer)"])
        let inbox = try await lena.get("/v1/inbox").items
        #expect(inbox.map { $0["type"] as? String } == ["offer.opened"])
        #expect(inbox.first?["sequence"] as? Int == Int(live.id))
        #expect(try await lena.get("/v1/inbox/unread-count").json["unread"] as? Int == 1)
        #expect(try await lena.post("/v1/inbox/\(inbox.first?["id"] as? String ?? "")/read", [:]).status == 204)
        #expect(try await lena.get("/v1/inbox?unread=true").items.isEmpty)

        // In English, when Lena prefers it.
        #expect(try await lena.send("PUT", "/v1/me/notifications", json: ["locale": "en", "settings": [] as [Any]]).status == 200)
        #expect(try await lena.get("/v1/inbox").items.first?["text"] as? String == "Linköpings kommun opened “Diskare”")

        // A participant of Kim's is matched to two offers in one job: one entry, naming both suggestions.
        #expect(try await people.employer.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).status == 201)
        #expect(try await waitUntil(timeout: .seconds(30)) { try await ReviewEndToEndTests.matchingIsIdle(running.connection) })
        let participant = try #require(try await people.coordinator.post("/v1/participants", participantBody([
            "responsible_coordinator_id": people.kim.uuidString.lowercased(),
        ])).json["id"] as? String)
        #expect(try await people.coordinator.post("/v1/participants/\(participant)/consents",
                                                  ["purpose": "matching", "given_on": "2026-01-10"]).status == 201)
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await people.coordinator.get("/v1/inbox").items.contains { $0["type"] as? String == "suggestions.new" }
        })
        let kims = try await people.coordinator.get("/v1/inbox").items.filter { $0["type"] as? String == "suggestions.new" }
        #expect(kims.count == 1 && (kims.first?["suggestion_ids"] as? [String])?.count == 2, "\(kims)")
        #expect((kims.first?["text"] as? String)?.hasPrefix("2 nya förslag för SF-") == true, "\(kims)")

        // Each user sees their own entries only; a token without a user has no inbox; another förbund sees nothing.
        #expect(!(try await people.coordinator.get("/v1/inbox").items.contains { $0["type"] as? String == "offer.opened" }))
        #expect(try await lena.post("/v1/inbox/\(kims.first?["id"] as? String ?? "")/read", [:]).status == 404)
        let (other, operatorToken, userless) = try await running.connection.withTransaction { tx in
            let forbund = try await TenancyStore().createForbund(name: "Annat förbund", in: tx)
            let user = try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: "Olle",
                                                           email: "olle@example.se", in: tx)
            return (try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: user.id, in: tx).token,
                    try await TokenStore().create(role: .operator, forbundID: nil, userID: nil, in: tx).token,
                    try await TokenStore().create(role: .coordinator, forbundID: people.forbund.id, userID: nil, in: tx).token)
        }
        #expect(try await APIClient(base: running.base, token: other).get("/v1/inbox").items.isEmpty)
        for token in [operatorToken, userless] {
            let refused = try await APIClient(base: running.base, token: token).get("/v1/inbox")
            #expect(refused.status == 403 && refused.fieldErrors == [" user_required"], "\(refused.text)")
        }

        // The client goes: its stream ends and the count returns to zero.
        stream.close()
        #expect(try await waitUntil(timeout: .seconds(10)) { try await openInboxStreams(running.base) == 0 })
    }

    @Test func aReconnectWithLastEventIDGetsExactlyTheMissedEntriesInOrderAlsoWhenEventsCommittedOutOfOrder() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Återanslutning")
        let token = try await userToken(running, forbundID: people.forbund.id, userID: people.lena)
        let employer = people.employerID
        let created = try await people.coordinator.post("/v1/employers/\(employer.uuidString.lowercased())/offers", offerBody())
        let offer = try #require(UUID(uuidString: created.json["id"] as? String ?? ""), "\(created.text)")
        func change() -> Event { Event(.offerChanged, offerID: offer, employerID: employer) }

        let first = try InboxStreamClient(base: running.base, token: token)
        defer { first.close() }
        #expect(try await first.started())
        // Two events whose transactions commit in the other order than their ids.
        let other = try await PostgresConnection.connect(running.conninfo)
        defer { Task { await other.close() } }
        let forbundID = people.forbund.id
        let (appended, tellAppended) = AsyncStream<Void>.makeStream()
        let (gate, openGate) = AsyncStream<Void>.makeStream()
        async let earlier: Void = running.connection.withTransaction { tx in
            try await EventLog().append(change(), forbundID: forbundID, in: tx)
            tellAppended.yield()
            for await _ in gate { break }
        }
        for await _ in appended { break }
        try await other.withTransaction { try await EventLog().append(change(), forbundID: forbundID, in: $0) }
        openGate.yield()
        try await earlier
        #expect(try await waitUntil(timeout: .seconds(30)) { first.events.count == 2 }, "\(first.text)")
        let seen = first.events.map(\.id)
        #expect(seen == [seen[0], seen[0] + 1], "numbered in the order they were delivered: \(seen)")

        // Gone for a while: three more happen; the reconnect gets exactly those, in order, then goes on live.
        first.close()
        for _ in 0..<3 { try await running.connection.withTransaction { try await EventLog().append(change(), forbundID: people.forbund.id, in: $0) } }
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await running.connection.query("SELECT count(*) AS n FROM events WHERE dispatched_at IS NULL")[0].decode(Int.self, "n") == 0
        })
        let again = try InboxStreamClient(base: running.base, token: token, lastEventID: seen[1])
        defer { again.close() }
        #expect(try await waitUntil(timeout: .seconds(30)) { again.events.count == 3 }, "\(again.text)")
        try await running.connection.withTransaction { try await EventLog().append(change(), forbundID: people.forbund.id, in: $0) }
        #expect(try await waitUntil(timeout: .seconds(30)) { again.events.count == 4 }, "\(again.text)")
        #expect(again.events.map(\.id) == Array((seen[1] + 1)...(seen[1] + 4)), "\(again.events.map(\.id))")
    }

    @Test func anEventCommittedBeforeAKill9IsInTheInboxOnceAfterTheRestart() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        let (forbund, user) = try await connection.withTransaction { tx in
            let forbund = try await TenancyStore().createForbund(name: "Krasch", in: tx)
            return (forbund.id, try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: "Kim",
                                                                    email: "kim@example.se", in: tx).id)
        }
        // A daemon that dispatches nothing (no notify workers): the event commits, its job waits.
        let first = try DaemonProcess(conninfo: conninfo, queues: ["default": 2, "notify": 0])
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await connection.query("SELECT count(*) AS n FROM queue_daemons")[0].decode(Int.self, "n") >= 1
        }, "\(first.log)")
        try await connection.withTransaction { try await EventLog().append(Event(.offerOpened), forbundID: forbund, in: $0) }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await connection.query("SELECT count(*) AS n FROM inbox_entries")[0].decode(Int.self, "n") == 0)
        first.kill9()
        _ = await first.waitForExit()

        let second = try DaemonProcess(conninfo: conninfo)
        defer { second.terminate() }
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await connection.query("SELECT count(*) AS n FROM events WHERE dispatched_at IS NULL")[0].decode(Int.self, "n") == 0
        }, "\(second.log)")
        let entries = try await connection.query("""
            SELECT user_id, sequence FROM inbox_entries WHERE forbund_id = \(forbund)
            """).map { (try $0.decode(UUID.self, "user_id"), try $0.decode(Int64.self, "sequence")) }
        #expect(entries.count == 1 && entries.first?.0 == user && entries.first?.1 == 1, "\(entries)")
    }

    /// Without a LISTEN connection (poll-only) and without notify workers, an employer's offer still
    /// reaches the open stream: the request dispatches its event once it has committed, and wakes
    /// the daemon's streams itself. An event written outside a daemon (by another process) waits
    /// for its job; once a daemon with workers runs it, the poll wakes the stream. Links carry
    /// `[http] public_url`.
    @Test func pollOnlyDaemonsDeliverByTheRequestsOwnDispatchAndByPollingWithPublicLinks() async throws {
        let running = try await MatchingDaemon.start([
            "LOTSEN_QUEUE_POLL_ONLY": "true", "LOTSEN_QUEUE_NOTIFY": "0",
            "LOTSEN_HTTP_PUBLIC_URL": "https://lotsen.example.se",
        ])
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Pollning")
        let stream = try InboxStreamClient(base: running.base, token: try await userToken(running, forbundID: people.forbund.id,
                                                                                         userID: people.lena))
        defer { stream.close() }
        #expect(try await stream.started(), "\(stream.text)")
        let employer = people.employerID.uuidString.lowercased()
        let opened = try await people.employer.post("/v1/employers/\(employer)/offers", offerBody(["status": "open", "title": "Diskare"]))
        let offer = try #require(opened.json["id"] as? String, "\(opened.text)")
        #expect(try await waitUntil(timeout: .seconds(30)) { stream.events.contains { $0.type == "offer.opened" } }, "\(stream.text)")
        let live = try #require(stream.events.first { $0.type == "offer.opened" })
        #expect((live.data["links"] as? [[String: Any]])?.map { $0["url"] as? String } == ["https://lotsen.example.se/v1/offers/\(offer)"],
                "\(live.data)")

        // Written by another process: no dispatch until a daemon with notify workers takes the job.
        let offerID = try #require(UUID(uuidString: offer))
        try await running.connection.withTransaction {
            try await EventLog().append(Event(.offerChanged, offerID: offerID, employerID: people.employerID), forbundID: people.forbund.id, in: $0)
        }
        try await Task.sleep(for: .milliseconds(600))
        #expect(!stream.events.contains { $0.type == "offer.changed" }, "\(stream.text)")
        let workers = try DaemonProcess(conninfo: running.conninfo, queues: ["notify": 1], extra: ["LOTSEN_QUEUE_POLL_ONLY": "true"])
        defer { workers.terminate() }
        #expect(try await waitUntil(timeout: .seconds(30)) { stream.events.contains { $0.type == "offer.changed" } },
                "\(stream.text)\n\(workers.log)")
        #expect(stream.events.map(\.id) == [live.id, live.id + 1], "\(stream.text)")
    }

    /// 200 streams at once are fanned out from the daemon's one listening connection: the
    /// database sees no connection per stream, and every stream is gone once its client is.
    @Test func twoHundredOpenStreamsShareOneListeningConnection() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Tvåhundra")
        let token = try await userToken(running, forbundID: people.forbund.id, userID: people.lena)
        let database = try await running.connection.query("SELECT current_database() AS d")[0].decode(String.self, "d")
        func connections() async throws -> Int {
            try await running.connection.query("""
                SELECT count(*) AS n FROM pg_stat_activity WHERE datname = \(database) AND pid <> pg_backend_pid()
                """)[0].decode(Int.self, "n")
        }
        let before = try await connections()
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let port = String(running.base.split(separator: ":").last ?? "")
        python.arguments = ["python3", URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                                .appendingPathComponent("../Scripts/inbox_streams.py").standardizedFileURL.path,
                            "127.0.0.1", port, token, "200"]
        let input = Pipe(), output = Pipe()
        python.standardInput = input
        python.standardOutput = output
        try python.run()
        defer { if python.isRunning { python.terminate() } }
        #expect(try await waitUntil(timeout: .seconds(60)) { try await openInboxStreams(running.base) == 200 }, "\(running.daemon.log)")
        let during = try await connections()
        #expect(during - before < 10, "\(before) connections before, \(during) with 200 streams open")
        // One event reaches all 200 (each wakes, reads its entry and sends it) and the count holds.
        try await running.connection.withTransaction {
            try await EventLog().append(Event(.offerChanged, employerID: people.employerID), forbundID: people.forbund.id, in: $0)
        }
        try await Task.sleep(for: .seconds(1))
        #expect(try await openInboxStreams(running.base) == 200)
        try input.fileHandleForWriting.close()
        python.waitUntilExit()
        #expect(try await waitUntil(timeout: .seconds(15)) { try await openInboxStreams(running.base) == 0 })
    }
}
