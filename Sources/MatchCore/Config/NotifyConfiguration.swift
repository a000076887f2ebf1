import Foundation

/// `[notify]`: how events become email digests.
public struct NotifyConfiguration: Sendable {
    /// How long a recipient's digest collects events after its first one; 0 sends each dispatch at once.
    public var digestWindowMilliseconds: Int
    /// When email goes out.
    public var emailHours: EmailHours
    /// Whether urgent events (`check_in.at_risk`, `employer.answered`) are emailed outside the hours.
    public var urgentAnyTime: Bool

    init(reader: ConfigurationReader) throws {
        digestWindowMilliseconds = try reader.int("notify", "digest_window_ms", default: 15 * 60_000, range: 0...86_400_000)
        let hours = try reader.string("notify", "email_hours", default: EmailHours.defaultText)
        do {
            emailHours = try EmailHours(parsing: hours)
        } catch let error as EmailHours.ParseError {
            throw ConfigurationError(key: "notify.email_hours", source: "value \(hours)", problem: error.message)
        }
        urgentAnyTime = try reader.bool("notify", "urgent_any_time", default: false)
    }
}

/// `[smtp]`: the mail server digests are sent through. No `url`, no email.
public struct SMTPConfiguration: Sendable {
    /// `smtp://host:587` (STARTTLS, required) or `smtps://host:465` (implicit TLS); empty turns email off.
    public var url: String
    /// The login, if the server wants one.
    public var username: String
    /// A file holding the password (never the password itself in the configuration).
    public var passwordFile: String
    /// The sender address.
    public var from: String
    /// A CA bundle to verify the server with, instead of the system's (tests trust their own certificate).
    public var caFile: String

    /// Whether email is configured.
    public var enabled: Bool { !url.isEmpty }

    init(reader: ConfigurationReader) throws {
        url = try reader.string("smtp", "url", default: "")
        username = try reader.string("smtp", "username", default: "")
        passwordFile = try reader.string("smtp", "password_file", default: "")
        from = try reader.string("smtp", "from", default: "")
        caFile = try reader.string("smtp", "ca_file", default: "")
        if !url.isEmpty {
            guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                throw ConfigurationError(key: "smtp.url", source: "value \(url)", problem: "must start with smtp:// or smtps://")
            }
            guard from.contains("@") else {
                throw ConfigurationError(key: "smtp.from", source: "value \(from)", problem: "must be an email address when smtp.url is set")
            }
        }
    }
}

/// `[webhooks]`: where deliveries may go.
public struct WebhooksConfiguration: Sendable {
    /// Allow targets on loopback, private and link-local addresses (tests; never in production,
    /// where it would let a förbund's token reach the host's internal services).
    public var allowPrivateTargets: Bool

    init(reader: ConfigurationReader) throws {
        allowPrivateTargets = try reader.bool("webhooks", "allow_private_targets", default: false)
    }
}
