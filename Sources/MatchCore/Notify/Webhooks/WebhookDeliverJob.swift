import CCurl
import Foundation
import Metrics

/// Delivers one event to one endpoint, as Standard Webhooks says: a POST of the stored payload with
/// `webhook-id` (the delivery's id, the same on every attempt), `webhook-timestamp` and
/// `webhook-signature` (both fresh on each attempt; during a rotation signed with both secrets).
///
/// A 2xx is delivered. Anything else is a failure, retried on the specification's schedule
/// (`retryDelays`, with jitter, or later when the receiver's `Retry-After` says so); redirects are
/// not followed. A 410 disables the endpoint at once; an endpoint failing for 24 hours is disabled
/// too, and the förbund's coordinators hear of it (`webhook.disabled`). The job snoozes between
/// attempts rather than failing, so its own retries stay for database errors.
public enum WebhookDeliverJob: JobKind {
    /// The delivery.
    public struct Arguments: Codable, Sendable {
        /// Its förbund.
        public var forbundID: UUID
        /// The delivery (its `webhook-id`).
        public var deliveryID: String

        /// Deliver `deliveryID`.
        public init(forbundID: UUID, deliveryID: String) {
            self.forbundID = forbundID
            self.deliveryID = deliveryID
        }

        enum CodingKeys: String, CodingKey { case forbundID = "forbund_id", deliveryID = "delivery_id" }
    }
    public static let name = "webhook.deliver"
    public static let queue = "notify"

    /// The waits after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
    public static let retryDelays: [TimeInterval] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400]
    /// How long an endpoint may fail before it is disabled.
    public static let failingLimit: TimeInterval = 24 * 3_600
    /// The longest an attempt may take.
    public static let timeoutSeconds = 15
}

/// Works `webhook.deliver`.
public struct WebhookDeliverWorker: JobWorker {
    public typealias Kind = WebhookDeliverJob
    let pool: PostgresPool
    let target: WebhookTarget

    /// A worker delivering through `pool`'s rows to targets `target` allows.
    public init(pool: PostgresPool, target: WebhookTarget) {
        self.pool = pool
        self.target = target
    }

    struct Attempt {
        var webhookID: UUID
        var url: String
        var secrets: [String]
        var payload: Data
        var attempts: Int
        var failingSince: Date?
    }

    struct Answer {
        var status: Int?
        var error: String?
        var retryAfter: TimeInterval?
        var milliseconds: Int
    }

    public func work(_ arguments: WebhookDeliverJob.Arguments, context: JobContext) async throws -> JobOutcome {
        let (forbund, id) = (arguments.forbundID, arguments.deliveryID)
        guard let row = try await pool.withConnection({ connection in
            try await connection.query("""
                SELECT d.state, d.attempts, d.next_attempt_at, d.payload::text AS payload, d.webhook_id, h.url, h.enabled, h.secret,
                       h.failing_since,
                       CASE WHEN h.previous_until > now() THEN h.previous_secret END AS previous_secret
                FROM webhook_deliveries d JOIN webhooks h ON h.forbund_id = d.forbund_id AND h.id = d.webhook_id
                WHERE d.forbund_id = \(forbund) AND d.id = \(id)
                """).first
        }) else { return .complete }
        guard try row.decode(String.self, "state") == "pending" else { return .complete }
        guard try row.decode(Bool.self, "enabled") else {
            try await pool.execute("""
                UPDATE webhook_deliveries SET state = 'failed', last_error = 'the endpoint is disabled', next_attempt_at = NULL
                WHERE forbund_id = \(forbund) AND id = \(id) AND state = 'pending'
                """)
            return .complete
        }
        if let due = try row.decode(Date?.self, "next_attempt_at"), due.timeIntervalSinceNow > 1 {
            return .snooze(seconds: Int(due.timeIntervalSinceNow.rounded(.up)))
        }
        let attempt = Attempt(webhookID: try row.decode(UUID.self, "webhook_id"), url: try row.decode(String.self, "url"),
                              secrets: [try row.decode(String.self, "secret")] + [try row.decode(String?.self, "previous_secret")].compactMap { $0 },
                              payload: Data(try row.decode(String.self, "payload").utf8), attempts: try row.decode(Int.self, "attempts"),
                              failingSince: try row.decode(Date?.self, "failing_since"))
        let answer = await post(attempt, id: id)
        let outcome = try await pool.withRetriedTransaction { tx in
            try await record(answer, of: attempt, forbundID: forbund, deliveryID: id, in: tx)
        }
        let result = answer.status.map { (200..<300).contains($0) } == true ? "delivered" : "failed"
        Counter(label: "lotsen_notifications_sent_total", dimensions: [("channel", "webhook"), ("result", result)]).increment()
        return outcome
    }

    /// One POST, signed now.
    func post(_ attempt: Attempt, id: String) async -> Answer {
        let started = ContinuousClock.now
        func elapsed() -> Int { Int((ContinuousClock.now - started).inSeconds * 1000) }
        let addresses: [String]
        do {
            addresses = try target.check(attempt.url)
        } catch let refusal as WebhookTarget.Refusal {
            return Answer(status: nil, error: "refused: \(refusal.message)", retryAfter: nil, milliseconds: 0)
        } catch {
            return Answer(status: nil, error: "\(error)", retryAfter: nil, milliseconds: 0)
        }
        let timestamp = Int(Date().timeIntervalSince1970)
        do {
            let transfer = try CurlTransfer(url: attempt.url)
            if let pin = WebhookTarget.pin(attempt.url, to: addresses) { try transfer.set(CURLOPT_RESOLVE, list: [pin]) }
            try transfer.set(CURLOPT_POST, 1)
            try transfer.set(size: CURLOPT_POSTFIELDSIZE_LARGE, attempt.payload.count)
            try transfer.set(CURLOPT_TIMEOUT, WebhookDeliverJob.timeoutSeconds)
            try transfer.set(CURLOPT_PROTOCOLS_STR, "http,https")
            try transfer.set(CURLOPT_HTTPHEADER, list: [
                "Content-Type: application/json",
                "User-Agent: Lotsen-Webhooks/1",
                "Expect:",
                "webhook-id: \(id)",
                "webhook-timestamp: \(timestamp)",
                "webhook-signature: \(WebhookSigner.header(id: id, timestamp: timestamp, body: attempt.payload, secrets: attempt.secrets))",
            ])
            transfer.setUpload(attempt.payload)
            let response = try await transfer.perform()
            return Answer(status: response.status, error: nil, retryAfter: Self.retryAfter(response.headers), milliseconds: elapsed())
        } catch let error as CurlError {
            return Answer(status: nil, error: error.message, retryAfter: nil, milliseconds: elapsed())
        } catch {
            return Answer(status: nil, error: "\(error)", retryAfter: nil, milliseconds: elapsed())
        }
    }

    /// The attempt's row, the delivery's new state, and the endpoint's: what the job does next.
    func record(_ answer: Answer, of attempt: Attempt, forbundID: UUID, deliveryID: String,
                in transaction: PostgresTransaction) async throws -> JobOutcome {
        let number = attempt.attempts + 1
        try await transaction.execute("""
            INSERT INTO webhook_attempts (forbund_id, delivery_id, attempt, status, error, duration_ms)
            VALUES (\(forbundID), \(deliveryID), \(number), \(answer.status), \(answer.error), \(answer.milliseconds))
            ON CONFLICT DO NOTHING
            """)
        let webhook = attempt.webhookID
        if let status = answer.status, (200..<300).contains(status) {
            try await transaction.execute("""
                UPDATE webhook_deliveries SET state = 'delivered', attempts = \(number), last_status = \(status), last_error = NULL,
                    delivered_at = now(), next_attempt_at = NULL
                WHERE forbund_id = \(forbundID) AND id = \(deliveryID)
                """)
            try await transaction.execute("UPDATE webhooks SET failing_since = NULL WHERE forbund_id = \(forbundID) AND id = \(webhook)")
            return .complete
        }
        let failingSince = attempt.failingSince ?? Date()
        let gone = answer.status == 410
        let failedTooLong = Date().timeIntervalSince(failingSince) >= WebhookDeliverJob.failingLimit
        let exhausted = number > WebhookDeliverJob.retryDelays.count
        if gone || failedTooLong {
            try await disable(webhook, forbundID: forbundID, reason: gone ? "gone" : "failing", in: transaction)
        } else {
            try await transaction.execute("""
                UPDATE webhooks SET failing_since = coalesce(failing_since, now()) WHERE forbund_id = \(forbundID) AND id = \(webhook)
                """)
        }
        if gone || failedTooLong || exhausted {
            try await transaction.execute("""
                UPDATE webhook_deliveries SET state = 'failed', attempts = \(number), last_status = \(answer.status),
                    last_error = \(answer.error), next_attempt_at = NULL
                WHERE forbund_id = \(forbundID) AND id = \(deliveryID)
                """)
            return .complete
        }
        let delay = Self.delay(afterAttempt: number, retryAfter: answer.retryAfter)
        try await transaction.execute("""
            UPDATE webhook_deliveries SET attempts = \(number), last_status = \(answer.status), last_error = \(answer.error),
                next_attempt_at = now() + make_interval(secs => \(delay))
            WHERE forbund_id = \(forbundID) AND id = \(deliveryID)
            """)
        return .snooze(seconds: max(1, Int(delay.rounded(.up))))
    }

    /// Disables an endpoint, fails its pending deliveries, and tells the förbund's coordinators.
    func disable(_ webhook: UUID, forbundID: UUID, reason: String, in transaction: PostgresTransaction) async throws {
        let changed = try await transaction.execute("""
            UPDATE webhooks SET enabled = false, disabled_reason = \(reason), disabled_at = now()
            WHERE forbund_id = \(forbundID) AND id = \(webhook) AND enabled
            """)
        guard changed == 1 else { return }
        try await transaction.execute("""
            UPDATE webhook_deliveries SET state = 'failed', last_error = 'the endpoint was disabled', next_attempt_at = NULL
            WHERE forbund_id = \(forbundID) AND webhook_id = \(webhook) AND state = 'pending'
            """)
        try await EventLog().append(Event(.webhookDisabled, webhookID: webhook), forbundID: forbundID, in: transaction)
    }

    /// The wait after failed attempt `attempt` (from 1): the schedule's, with up to 10 % jitter,
    /// or the receiver's `Retry-After` when that is longer (at most a day).
    static func delay(afterAttempt attempt: Int, retryAfter: TimeInterval?,
                      jitter: Double = Double.random(in: 0..<0.1)) -> TimeInterval {
        let scheduled = WebhookDeliverJob.retryDelays[min(attempt, WebhookDeliverJob.retryDelays.count) - 1]
        return max(scheduled * (1 + jitter), min(retryAfter ?? 0, 86_400))
    }

    /// `Retry-After` as seconds (a number, or an HTTP date).
    static func retryAfter(_ headers: [String]) -> TimeInterval? {
        guard let line = headers.last(where: { $0.lowercased().hasPrefix("retry-after:") }) else { return nil }
        let value = line.dropFirst("retry-after:".count).trimmingCharacters(in: .whitespaces)
        if let seconds = TimeInterval(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }
}
