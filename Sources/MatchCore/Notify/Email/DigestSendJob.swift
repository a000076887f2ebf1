import Crypto
import Foundation
import Metrics

/// Sends one email digest, when its window has closed and within the sending hours.
///
/// Delivery is at least once and never twice by design: the job takes the digest (`open` to
/// `sending`, under its row lock, so no event joins it afterwards), sends it, and marks it `sent`
/// in the transaction that completes the job. A crash between the server's 250 and that commit
/// leaves it `sending`: the job's retry sends it again with the same `Message-ID`, which the
/// recipient's mail system can recognise. The job is unique per digest, so nothing else sends it.
public enum DigestSendJob: JobKind {
    /// The digest.
    public struct Arguments: Codable, Sendable {
        /// Its förbund.
        public var forbundID: UUID
        /// The digest.
        public var digestID: UUID

        /// Send `digestID`.
        public init(forbundID: UUID, digestID: UUID) {
            self.forbundID = forbundID
            self.digestID = digestID
        }

        enum CodingKeys: String, CodingKey { case forbundID = "forbund_id", digestID = "digest_id" }
    }
    public static let name = "notify.email"
    public static let queue = "notify"
}

/// Works `notify.email`.
public struct DigestSendWorker: JobWorker {
    public typealias Kind = DigestSendJob
    let pool: PostgresPool
    let mailer: SMTPMailer?
    let hours: EmailHours
    let urgentAnyTime: Bool
    let publicURL: String?
    let now: @Sendable () -> Date

    /// A worker sending through `mailer` (nil: email is not configured, and waiting digests fail
    /// until it is) within `hours`; `now` is the clock (tests inject one).
    public init(pool: PostgresPool, mailer: SMTPMailer?, hours: EmailHours, urgentAnyTime: Bool, publicURL: String?,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.pool = pool
        self.mailer = mailer
        self.hours = hours
        self.urgentAnyTime = urgentAnyTime
        self.publicURL = publicURL
        self.now = now
    }

    enum Step {
        case done
        case wait(until: Date)
        case send(DigestMessage)
    }

    public func work(_ arguments: DigestSendJob.Arguments, context: JobContext) async throws -> JobOutcome {
        guard let mailer else { throw SMTPMailer.SendError(reply: nil, message: "email is not configured ([smtp] url)") }
        let store = DigestStore()
        let step = try await pool.withRetriedTransaction { tx -> Step in
            try await store.take(arguments.digestID, forbundID: arguments.forbundID, now: now(), hours: hours,
                                 urgentAnyTime: urgentAnyTime, from: mailer.from, publicURL: publicURL, in: tx)
        }
        switch step {
        case .done:
            return .complete
        case .wait(let until):
            return .snooze(seconds: max(1, Int(until.timeIntervalSince(now()).rounded(.up))))
        case .send(let message):
            do {
                try await mailer.send(message.rendered(), to: [message.to])
            } catch {
                Counter(label: "lotsen_notifications_sent_total", dimensions: [("channel", "email"), ("result", "failed")]).increment()
                try? await pool.withConnection { connection in
                    try await store.recordFailure(arguments.digestID, forbundID: arguments.forbundID, error: "\(error)", on: connection)
                }
                throw error
            }
            try await pool.withRetriedTransaction { tx in
                try await store.markSent(arguments.digestID, forbundID: arguments.forbundID, in: tx)
                try await context.complete(in: tx)
            }
            Counter(label: "lotsen_notifications_sent_total", dimensions: [("channel", "email"), ("result", "sent")]).increment()
            Recorder(label: "lotsen_digest_size").record(message.items.count)
            context.logger.info("digest sent", metadata: ["digest_id": "\(arguments.digestID)", "events": "\(message.items.count)"])
            return .complete
        }
    }
}
