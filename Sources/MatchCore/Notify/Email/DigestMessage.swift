import Foundation

/// One digest as an email: plain text with an HTML alternative, in the recipient's language,
/// events grouped by participant (coordinators) or offer, at most `maxLines` lines and "and N more"
/// with a link to the inbox. It names what the inbox may name (case references, offer titles,
/// employers; for employer users their offers only) and nothing of a profile.
public struct DigestMessage: Sendable {
    /// One event of the digest with the names its text may use.
    public struct Item: Sendable {
        /// The event type.
        public var kind: Event.Kind
        /// What the line's text may name.
        var names: InboxText.Names
        /// What it groups under: the participant (coordinators) or the offer.
        var group: String
    }

    /// The most event lines a message lists.
    public static let maxLines = 20

    /// The digest's id: the Message-ID, and so the same on every resend.
    public var digestID: UUID
    /// The recipient's address.
    public var to: String
    /// The sender's address.
    public var from: String
    /// `sv` or `en`.
    public var locale: String
    /// Whether the recipient is an employer user.
    public var toEmployer: Bool
    /// The events, oldest first.
    public var items: [Item]
    /// `[http] public_url`.
    public var publicURL: String?
    /// The opaque token of the one-click unsubscribe link.
    public var unsubscribeToken: String
    /// When it is sent.
    public var date: Date

    private var sv: Bool { locale != "en" }

    /// The `Message-ID`, stable per digest; its domain is the sender's.
    public var messageID: String {
        "<digest-\(digestID.uuidString.lowercased())@\(from.split(separator: "@").last.map(String.init) ?? "lotsen")>"
    }

    /// The subject line.
    var subject: String {
        sv ? "Lotsen: \(items.count) \(items.count == 1 ? "ny händelse" : "nya händelser")"
            : "Lotsen: \(items.count) new \(items.count == 1 ? "notification" : "notifications")"
    }

    /// The unsubscribe address, when matchd knows its public address.
    var unsubscribeURL: String? { publicURL.map { "\($0)/unsubscribe/\(unsubscribeToken)" } }
    var inboxURL: String? { publicURL.map { "\($0)/v1/inbox" } }

    /// The groups in order of first appearance, each with its lines, cut at `maxLines` lines.
    func groups() -> (groups: [(title: String, lines: [String])], more: Int) {
        var order: [String] = []
        var lines: [String: [String]] = [:]
        var shown = 0
        for item in items {
            guard shown < Self.maxLines else { break }
            if lines[item.group] == nil { order.append(item.group) }
            lines[item.group, default: []].append(InboxText.text(item.kind, locale: locale, toEmployer: toEmployer, item.names))
            shown += 1
        }
        return (order.map { ($0, lines[$0] ?? []) }, items.count - shown)
    }

    var plainText: String {
        let (groups, more) = groups()
        var text = sv ? "Hej,\n\nDet här har hänt i Lotsen:\n" : "Hello,\n\nThis happened in Lotsen:\n"
        for group in groups {
            text += "\n\(group.title)\n" + group.lines.map { "- \($0)\n" }.joined()
        }
        if more > 0 {
            text += "\n" + (sv ? "… och \(more) till" : "… and \(more) more") + (inboxURL.map { ": \($0)" } ?? "") + "\n"
        } else if let inboxURL {
            text += "\n" + (sv ? "Inkorgen: " : "Your inbox: ") + inboxURL + "\n"
        }
        if let unsubscribeURL {
            text += "\n" + (sv ? "Vill du inte få de här mejlen? " : "Rather not get these emails? ") + unsubscribeURL + "\n"
        }
        return text
    }

    var html: String {
        let (groups, more) = groups()
        var html = "<!doctype html><html lang=\"\(sv ? "sv" : "en")\"><head><meta charset=\"utf-8\"><title>\(subject.htmlEscaped)</title></head><body>"
        html += "<p>\(sv ? "Det här har hänt i Lotsen:" : "This happened in Lotsen:")</p>"
        for group in groups {
            html += "<h2>\(group.title.htmlEscaped)</h2><ul>" + group.lines.map { "<li>\($0.htmlEscaped)</li>" }.joined() + "</ul>"
        }
        let moreText = sv ? "… och \(more) till" : "… and \(more) more"
        if more > 0 {
            html += inboxURL.map { "<p><a href=\"\($0.htmlEscaped)\">\(moreText.htmlEscaped)</a></p>" } ?? "<p>\(moreText.htmlEscaped)</p>"
        } else if let inboxURL {
            html += "<p><a href=\"\(inboxURL.htmlEscaped)\">\(sv ? "Öppna inkorgen" : "Open your inbox")</a></p>"
        }
        if let unsubscribeURL {
            html += "<p><small><a href=\"\(unsubscribeURL.htmlEscaped)\">\(sv ? "Avsluta de här mejlen" : "Unsubscribe from these emails")</a></small></p>"
        }
        return html + "</body></html>"
    }

    /// The whole message, CRLF line ends, ready for SMTP.
    public func rendered() -> Data {
        let boundary = "lotsen-\(digestID.uuidString.lowercased())"
        var headers = [
            "From: Lotsen <\(from)>",
            "To: <\(to)>",
            "Subject: =?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?=",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        if let unsubscribeURL {
            headers.append("List-Unsubscribe: <\(unsubscribeURL)>")
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        var body = headers.joined(separator: "\r\n") + "\r\n\r\n"
        for (type, content) in [("text/plain", plainText), ("text/html", html)] {
            body += "--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            body += Data(content.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            body += "\r\n"
        }
        body += "--\(boundary)--\r\n"
        return Data(body.utf8)
    }


    /// `date` as an RFC 5322 `Date:` header value, in UTC.
    public static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
