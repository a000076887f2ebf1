import Foundation
import Testing
@testable import MatchCore

/// Webhooks end to end: a real matchd delivers to a real receiver, started by the test, that
/// verifies every request with the `standardwebhooks` package.
@Suite("Standard Webhooks deliveries", .serialized)
struct WebhookDeliveryTests {
    static func register(_ client: APIClient, port: Int, types: [String] = ["offer.opened"]) async throws -> (id: String, secret: String) {
        let created = try await client.post("/v1/webhooks", ["url": "http://127.0.0.1:\(port)/hook", "event_types": types,
                                                             "description": "test"])
        #expect(created.status == 201, "\(created.text)")
        return (try #require(created.json["id"] as? String), try #require(created.json["secret"] as? String))
    }

    @Test(.needs(.webhookPython), .timeLimit(.minutes(3)))
    func retriesKeepTheIdAndSign410DisablesRotationSignsTwicePrivateTargetsAreRefused() async throws {
        let running = try await MatchingDaemon.start(["LOTSEN_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
                                                      "LOTSEN_HTTP_PUBLIC_URL": "https://lotsen.example.se"])
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Webhookar")
        let employer = people.employerID.uuidString.lowercased()

        // Fails twice, then takes it: three attempts with one webhook-id, each verifiable.
        let port = try freePort()
        let hook = try await Self.register(people.coordinator, port: port)
        #expect(try await people.coordinator.get("/v1/webhooks/\(hook.id)").json["secret"] is NSNull, "the secret is shown once")
        let receiver = try await WebhookReceiver(port: port, secrets: [hook.secret], responses: [500, 500])
        defer { receiver.stop() }
        let offer = try #require(try await people.employer.post("/v1/employers/\(employer)/offers",
                                                                offerBody(["status": "open"])).json["id"] as? String)
        #expect(try await waitUntil(timeout: .seconds(30)) {
            let attempts = try await running.connection.query("SELECT attempts FROM webhook_deliveries WHERE state = 'pending'")
            return try receiver.requests.count == 2 && attempts.first?.decode(Int.self, "attempts") == 2
        }, "\(running.daemon.log)")
        // After the second failure the specification's schedule waits 5 minutes (with up to 10 % jitter).
        let pending = try await running.connection.query("""
            SELECT id, attempts, EXTRACT(EPOCH FROM next_attempt_at - now())::float8 AS wait FROM webhook_deliveries WHERE state = 'pending'
            """)
        #expect(pending.count == 1)
        let wait = try pending[0].decode(Double.self, "wait")
        #expect((280...335).contains(wait), "waits \(wait) s after the second failure")
        // The clock is moved on rather than waited for: the delivery and its job fall due now.
        try await running.connection.execute("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE state = 'pending'")
        try await running.connection.execute("""
            UPDATE jobs SET scheduled_at = now() WHERE kind = 'webhook.deliver' AND state IN ('scheduled', 'retryable')
            """)
        #expect(try await waitUntil(timeout: .seconds(30)) { receiver.requests.count == 3 }, "\(running.daemon.log)")
        let requests = receiver.requests
        #expect(Set(requests.map { $0["webhook_id"] as? String }).count == 1, "one id: \(requests)")
        #expect(requests.allSatisfy { ($0["verified_by"] as? [Int]) == [0] }, "every attempt verifies: \(requests)")
        #expect(requests.allSatisfy { request in
            guard let stamp = (request["webhook_timestamp"] as? String).flatMap(Double.init),
                  let received = request["received_at"] as? Double else { return false }
            return abs(received - stamp) < 5
        }, "each attempt is signed with the time it is sent: \(requests)")
        #expect(requests.map { $0["status"] as? Int } == [500, 500, 200])
        let body = try #require(requests.last?["body"] as? [String: Any])
        #expect(body["type"] as? String == "offer.opened")
        let data = try #require(body["data"] as? [String: Any])
        #expect(data["offer_id"] as? String == offer)
        #expect(Set(data.keys).isSubset(of: ["event_id", "offer_id", "employer_id", "links"]), "ids and links only: \(data)")
        #expect((data["links"] as? [[String: Any]])?.contains { $0["url"] as? String == "https://lotsen.example.se/v1/offers/\(offer)" } == true)
        #expect(try await waitUntil(timeout: .seconds(10)) {
            let log = try await people.coordinator.get("/v1/webhooks/\(hook.id)/deliveries").items
            return log.first?["state"] as? String == "delivered" && log.first?["attempts"] as? Int == 3
        })

        // A rotation: each delivery carries both signatures, and each verifies with its own secret.
        let rotatedPort = try freePort()
        let rotating = try await Self.register(people.coordinator, port: rotatedPort)
        let rotated = try await people.coordinator.post("/v1/webhooks/\(rotating.id)/rotate", [:])
        let newSecret = try #require(rotated.json["secret"] as? String, "\(rotated.text)")
        #expect(newSecret != rotating.secret && rotated.json["previous_secret_until"] is String)
        let both = try await WebhookReceiver(port: rotatedPort, secrets: [rotating.secret, newSecret])
        defer { both.stop() }
        #expect(try await people.employer.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).status == 201)
        #expect(try await waitUntil(timeout: .seconds(30)) { both.requests.count == 1 }, "\(running.daemon.log)")
        #expect(both.requests.first?["signatures"] as? Int == 2 && both.requests.first?["verified_by"] as? [Int] == [0, 1],
                "\(both.requests)")

        // 410 Gone disables the endpoint at once, and the coordinators hear of it.
        let gonePort = try freePort()
        let gone = try await Self.register(people.coordinator, port: gonePort)
        let goneReceiver = try await WebhookReceiver(port: gonePort, secrets: [gone.secret], responses: [410])
        defer { goneReceiver.stop() }
        #expect(try await people.employer.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).status == 201)
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await people.coordinator.get("/v1/webhooks/\(gone.id)").json["disabled_reason"] as? String == "gone"
        }, "\(running.daemon.log)")
        #expect(goneReceiver.requests.count == 1)
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await people.coordinator.get("/v1/inbox").items.contains {
                $0["type"] as? String == "webhook.disabled" && $0["webhook_id"] as? String == gone.id
            }
        })
    }

    /// Without `allow_private_targets` a loopback or private target is refused at registration.
    @Test func aPrivateTargetIsRefusedWithoutTheSetting() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        for url in ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://[::1]/hook", "http://169.254.169.254/latest"] {
            let refused = try await tenant.coordinator.post("/v1/webhooks", ["url": url, "event_types": ["offer.opened"]])
            #expect(refused.status == 422 && refused.fieldErrors == ["/url public_target"], "\(url): \(refused.text)")
        }
        let unknown = try await tenant.coordinator.post("/v1/webhooks", ["url": "https://it.example.se/h", "event_types": ["no.such"]])
        #expect(unknown.status == 422 && unknown.fieldErrors == ["/event_types/0 enum"], "\(unknown.text)")
    }

    @Test func theRetryScheduleIsTheSpecificationsWithJitterOrRetryAfter() {
        let delays = (1...9).map { WebhookDeliverWorker.delay(afterAttempt: $0, retryAfter: nil, jitter: 0) }
        #expect(delays == [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400])
        #expect(WebhookDeliverWorker.delay(afterAttempt: 1, retryAfter: 120, jitter: 0) == 120)
        #expect(WebhookDeliverWorker.delay(afterAttempt: 2, retryAfter: 10, jitter: 0.05) == 315)
        #expect(WebhookDeliverWorker.retryAfter(["HTTP/1.1 503", "Retry-After: 42"]) == 42)
    }
}
