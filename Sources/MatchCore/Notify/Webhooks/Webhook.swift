import Foundation

/// A förbund's webhook endpoint: where deliveries go and which event types it wants. Its secret
/// is shown once, in the answer that created or rotated it, and never again.
public struct Webhook: Sendable, Encodable {
    /// Its id.
    public var id: UUID
    /// Where deliveries are POSTed.
    public var url: String
    /// What it is for, as the förbund's IT names it.
    public var description: String
    /// The event types it receives.
    public var eventTypes: [String]
    /// Whether it receives deliveries.
    public var enabled: Bool
    /// Why it was disabled (`gone`: the receiver answered 410; `failing`: it failed for a day).
    public var disabledReason: String?
    /// When it was disabled.
    public var disabledAt: Date?
    /// While a rotation lasts, when the previous secret stops signing.
    public var previousSecretUntil: Date?
    /// When it was registered.
    public var createdAt: Date
    /// The signing secret: only in the answer that created or rotated it, else null.
    public var secret: String?

    enum CodingKeys: String, CodingKey {
        case id, url, description, eventTypes = "event_types", enabled, disabledReason = "disabled_reason"
        case disabledAt = "disabled_at", previousSecretUntil = "previous_secret_until", createdAt = "created_at", secret
    }

    /// Encodes every field, absent ones as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeID(id, forKey: .id)
        try c.encode(url, forKey: .url)
        try c.encode(description, forKey: .description)
        try c.encode(eventTypes, forKey: .eventTypes)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(disabledReason, forKey: .disabledReason)
        try c.encode(disabledAt, forKey: .disabledAt)
        try c.encode(previousSecretUntil, forKey: .previousSecretUntil)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(secret, forKey: .secret)
    }
}

/// `POST /v1/webhooks`: a new endpoint.
public struct WebhookInput: Sendable, Decodable {
    /// Where to deliver.
    public var url: String?
    /// The event types wanted.
    public var eventTypes: [String]?
    /// What it is for.
    public var description: String?

    /// An input (matchctl builds one from its flags).
    public init(url: String?, eventTypes: [String]?, description: String?) {
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
    }

    /// The checked fields, the URL held to `target`.
    public func validated(target: WebhookTarget) throws(FieldErrors) -> (url: String, eventTypes: [String], description: String) {
        var check = InputCheck()
        let url = check.text(url, "/url", required: true, maxLength: 2_000)
        if let url {
            do {
                try target.check(url, resolvable: false)
            } catch let refusal as WebhookTarget.Refusal {
                check.errors.add("/url", rule: refusal.rule, refusal.message)
            } catch {
                check.errors.add("/url", rule: "format", "\(error)")
            }
        }
        let types = check.setOf(eventTypes, "/event_types", as: Event.Kind.self)
        if eventTypes == nil {
            check.errors.add("/event_types", rule: "required", "is required")
        } else if eventTypes?.isEmpty == true {
            check.errors.add("/event_types", rule: "min_items", "must name at least one event type")
        }
        let description = check.text(description, "/description", maxLength: 500) ?? ""
        try check.finish()
        return (url!, types.map(\.rawValue).sorted(), description)
    }

    enum CodingKeys: String, CodingKey { case url, eventTypes = "event_types", description }
}

/// One delivery of an event to an endpoint, as its log shows it.
public struct WebhookDelivery: Sendable, Encodable {
    /// Its id: the `webhook-id` of every attempt.
    public var id: String
    /// The endpoint.
    public var webhookID: UUID
    /// The event type.
    public var type: String
    /// `pending`, `delivered` or `failed`.
    public var state: String
    /// Attempts made.
    public var attempts: Int
    /// When the next attempt is due, while pending.
    public var nextAttemptAt: Date?
    /// The last answer's status.
    public var lastStatus: Int?
    /// The last transport error.
    public var lastError: String?
    /// When a 2xx came.
    public var deliveredAt: Date?
    /// When it was queued.
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, webhookID = "webhook_id", type, state, attempts, nextAttemptAt = "next_attempt_at", lastStatus = "last_status"
        case lastError = "last_error", deliveredAt = "delivered_at", createdAt = "created_at"
    }

    /// Encodes every field, absent ones as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeID(webhookID, forKey: .webhookID)
        try c.encode(type, forKey: .type)
        try c.encode(state, forKey: .state)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try c.encode(lastStatus, forKey: .lastStatus)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(deliveredAt, forKey: .deliveredAt)
        try c.encode(createdAt, forKey: .createdAt)
    }
}
