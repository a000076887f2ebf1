import ArgumentParser
import Foundation
import MatchCore

/// `matchctl notifications test|list|retry`: the email and webhook side of notifications, for
/// operators. Lists show ids and states only.
struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications", abstract: "Test email, and list and retry digests and webhook deliveries.",
        subcommands: [Test.self, List.self, Retry.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send one message through the configured [smtp] server.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Where to send it.") var email: String

        func validate() throws {
            if !email.contains("@") { throw ValidationError("--email must be an address") }
        }

        func run() async throws {
            let settings = try database.loadConfiguration()
            guard settings.smtp.enabled else { throw CommandFailure("email is not configured: set [smtp] url (LOTSEN_SMTP_URL)") }
            Curl.initialize()
            let mailer = try SMTPMailer(configuration: settings.smtp)
            let message = TestMessage(from: settings.smtp.from, to: email, date: Date()).rendered()
            do {
                try await mailer.send(message, to: [email])
            } catch {
                throw CommandFailure("sending failed: \(error)")
            }
            print("sent a test message to \(email) through \(settings.smtp.url)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Digests and webhook deliveries, newest first.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Only failed ones.") var failed = false
        @Option(help: "At most this many.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let records = try await database.withConnection { try await NotificationLog().list(failedOnly: failed, limit: limit, on: $0) }
            if json { return try Output.json(records) }
            Output.table(["CHANNEL", "ID", "STATE", "ATTEMPTS", "CREATED", "LAST ERROR"], records.map {
                [$0.channel, $0.id, $0.state, String($0.attempts), ISO8601DateFormatter().string(from: $0.createdAt), $0.lastError ?? "-"]
            })
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a digest or a webhook delivery again now.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "A digest's id, or a delivery's msg_ id.") var id: String

        func run() async throws {
            let done = try await database.withConnection { connection in
                try await connection.withTransaction { try await NotificationLog().retry(id, in: $0) }
            }
            guard done else { throw CommandFailure("no unsent digest or webhook delivery \(id)") }
            print("queued \(id) again")
        }
    }
}

/// The message of `matchctl notifications test`.
struct TestMessage {
    var from: String
    var to: String
    var date: Date

    func rendered() -> Data {
        let text = "Det här är ett testmeddelande från Lotsen.\r\nThis is a test message from Lotsen.\r\n"
        let lines = [
            "From: Lotsen <\(from)>", "To: <\(to)>", "Subject: Lotsen test", "Date: \(DigestMessage.rfc5322Date(date))",
            "Message-ID: <test-\(UUID().uuidString.lowercased())@\(from.split(separator: "@").last ?? "lotsen")>",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", text,
        ]
        return Data(lines.joined(separator: "\r\n").utf8)
    }
}
