import Foundation
import MatchCore

/// The workers whose behaviour follows settings that a reload may change: matching (by
/// `[matching]`) and notifications (by `[notify]`). Registering them again replaces the old ones.
struct DaemonWorkers: Sendable {
    let pool: PostgresPool
    let offerIndex: LiveOfferIndex?
    let mailer: SMTPMailer?

    /// How events are routed to digests and webhooks under `settings`.
    static func routing(_ settings: LotsenConfiguration) -> NotificationRouting {
        NotificationRouting(digestWindow: settings.smtp.enabled ? .milliseconds(settings.notify.digestWindowMilliseconds) : nil,
                            publicURL: settings.http.publicURL)
    }

    /// The matching workers under `settings`.
    func registerMatching(_ settings: LotsenConfiguration, into registry: inout WorkerRegistry) {
        let matcher = settings.matching.matcher(evaluator: settings.supports.evaluator)
        registry.register(MatchParticipantWorker(pool: pool, matcher: matcher, offerIndex: offerIndex))
        registry.register(MatchOfferWorker(pool: pool, matcher: matcher))
        registry.register(MarketRebalanceWorker(pool: pool, matcher: matcher))
    }

    /// The notification workers under `settings`.
    func registerNotify(_ settings: LotsenConfiguration, into registry: inout WorkerRegistry) {
        registry.register(NotifyDispatchWorker(pool: pool, routing: Self.routing(settings)))
        registry.register(DigestSendWorker(pool: pool, mailer: mailer, hours: settings.notify.emailHours,
                                           urgentAnyTime: settings.notify.urgentAnyTime, publicURL: settings.http.publicURL))
    }
}
