import Foundation

/// Runs `match.participant`: the participant's best offers are proposed, and their proposed
/// suggestions that no longer pass or rank are withdrawn with the reason, in one transaction.
public struct MatchParticipantWorker: JobWorker {
    public typealias Kind = MatchingJobs.Participant
    let pool: PostgresPool
    let matcher: PairMatcher
    let clock: any JobClock
    let offerIndex: LiveOfferIndex?

    /// A worker matching through `pool` with `matcher`, against `offerIndex` when given (else the
    /// open offers are read from the tables for each job).
    public init(pool: PostgresPool, matcher: PairMatcher = PairMatcher(), clock: any JobClock = SystemJobClock(),
                offerIndex: LiveOfferIndex? = nil) {
        self.pool = pool
        self.matcher = matcher
        self.clock = clock
        self.offerIndex = offerIndex
    }

    public func work(_ target: MatchingJobs.Target, context: JobContext) async throws -> JobOutcome {
        let today = CalendarDate.inSweden(clock.now())
        let snapshot = MatchingSnapshot()
        try await pool.withTransaction { tx in
            // Erased since the job was enqueued: nothing to match.
            guard let (participant, waiting) = try await snapshot.participants(
                forbundID: target.forbundID, only: target.id, on: tx.connection).first else { return }
            try await AuditLog().record(.read, entity: ParticipantStore.entity, id: participant.id.uuidString.lowercased(),
                                        forbundID: target.forbundID, actor: MatchingActor.name, reason: "matching",
                                        requestID: context.meta.requestID, in: tx)
            let index: OfferIndex
            if let offerIndex {
                let version = try await snapshot.offerIndexVersion(forbundID: target.forbundID, on: tx.connection)
                index = try await offerIndex.index(forbundID: target.forbundID, atLeast: version, today: today, on: tx.connection)
            } else {
                index = OfferIndex(try await snapshot.offers(forbundID: target.forbundID, on: tx.connection))
            }
            let supports = try await SupportCatalogStore().definitions(on: tx.connection)
            let rejections = RejectionVerdicts(
                try await SuggestionRejections().list(forbundID: target.forbundID, participantID: participant.id, on: tx.connection),
                otherSide: \.offerID, current: { rejection in index.offer(rejection.offerID).map { (participant, $0.offer) } })
            let outcome = matcher.match(participant, index: index, supports: supports, today: today, waitingDays: waiting,
                                        excluding: rejections.excluded)
            // Prepared once for the reasons of every row withdrawn below.
            let person = PreparedParticipant(participant, today: today, constraints: matcher.constraints)
            try await SuggestionStore().apply(outcome.suggestions, forbundID: target.forbundID, participantID: participant.id,
                                              weights: matcher.scorer.weights, actor: MatchingActor.name, in: tx,
                                              reopened: rejections.reopened) { offerID in
                // An offer no longer among the open ones was paused, filled or closed.
                index.offer(offerID).map { matcher.firstFailure(person, $0, supports: supports)?.rawValue }
                    ?? ConstraintFailure.offerNotOpen.rawValue
            }
            context.logger.debug("matched participant", metadata: ["suggestions": "\(outcome.suggestions.count)", "offers": "\(index.count)"])
        }
        return .complete
    }
}

/// Runs `match.offer`: an open offer's best participants are proposed; an offer that is no longer
/// open has its proposed suggestions withdrawn.
public struct MatchOfferWorker: JobWorker {
    public typealias Kind = MatchingJobs.Offer
    let pool: PostgresPool
    let matcher: PairMatcher
    let clock: any JobClock

    /// A worker matching through `pool` with `matcher`.
    public init(pool: PostgresPool, matcher: PairMatcher = PairMatcher(), clock: any JobClock = SystemJobClock()) {
        self.pool = pool
        self.matcher = matcher
        self.clock = clock
    }

    public func work(_ target: MatchingJobs.Target, context: JobContext) async throws -> JobOutcome {
        let today = CalendarDate.inSweden(clock.now())
        let snapshot = MatchingSnapshot()
        try await pool.withTransaction { tx in
            guard let offer = try await snapshot.offers(forbundID: target.forbundID, only: target.id, on: tx.connection).first else {
                return
            }
            guard offer.offer.status == .open else {
                try await SuggestionStore().withdrawAll(forbundID: target.forbundID, offerID: offer.offer.id,
                                                        reason: "offer_\(offer.offer.status.rawValue)", actor: MatchingActor.name, in: tx)
                return
            }
            let participants = try await snapshot.participants(forbundID: target.forbundID, on: tx.connection)
            // An automated read of many participants is audited once per run.
            try await AuditLog().record(.bulkRead, entity: ParticipantStore.entity, id: nil, forbundID: target.forbundID,
                                        actor: MatchingActor.name, reason: "match.offer \(offer.offer.id.uuidString.lowercased())",
                                        requestID: context.meta.requestID, in: tx)
            let supports = try await SupportCatalogStore().definitions(on: tx.connection)
            let byID = Dictionary(participants.map { ($0.0.id, $0.0) }, uniquingKeysWith: { a, _ in a })
            let rejections = RejectionVerdicts(
                try await SuggestionRejections().list(forbundID: target.forbundID, offerID: offer.offer.id, on: tx.connection),
                otherSide: \.participantID, current: { rejection in byID[rejection.participantID].map { ($0, offer.offer) } })
            let outcome = matcher.match(offer, participants: participants, supports: supports, today: today,
                                        excluding: rejections.excluded)
            try await SuggestionStore().apply(outcome.suggestions, forbundID: target.forbundID, offerID: offer.offer.id,
                                              weights: matcher.scorer.weights, actor: MatchingActor.name, in: tx,
                                              reopened: rejections.reopened) { participantID in
                // A participant no longer among the seeking ones stopped seeking.
                byID[participantID].map { matcher.firstFailure($0, offer, supports: supports, today: today)?.rawValue }
                    ?? ConstraintFailure.notSeeking.rawValue
            }
        }
        return .complete
    }
}

/// The name matching acts under in the audit log and suggestion history.
enum MatchingActor {
    static let name = "system:matching"
}
