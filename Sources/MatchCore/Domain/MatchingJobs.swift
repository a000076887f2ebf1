import Foundation

/// The contract between the domain and matching: a write that changes what can be matched enqueues
/// one of these in its own transaction, on the `matching` queue, under a unique key so that a burst
/// of edits waits as one job.
public enum MatchingJobs {
    /// The queue matching runs on.
    public static let queue = "matching"

    /// The arguments of both kinds: ids only.
    public struct Target: Codable, Sendable, Hashable {
        /// The förbund.
        public var forbundID: UUID
        /// The offer or participant.
        public var id: UUID

        /// The target `id` in `forbundID`.
        public init(forbundID: UUID, id: UUID) {
            self.forbundID = forbundID
            self.id = id
        }

        enum CodingKeys: String, CodingKey {
            case forbundID = "forbund_id"
            case id
        }

        /// Encodes both ids in lower case, as the unique key and the API write them.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeID(forbundID, forKey: .forbundID)
            try container.encodeID(id, forKey: .id)
        }
    }

    /// Rematch one offer (it opened, changed, paused, filled or closed).
    public struct Offer: JobKind {
        public typealias Arguments = Target
        public static let name = "match.offer"
        public static let queue = MatchingJobs.queue
    }

    /// Rematch one participant (consent, seeking status or a matched field changed).
    public struct Participant: JobKind {
        public typealias Arguments = Target
        public static let name = "match.participant"
        public static let queue = MatchingJobs.queue
    }

    /// The `match.offer` job for an offer.
    public static func offer(_ id: UUID, forbundID: UUID, meta: JobMeta) throws -> JobInsert {
        try JobInsert(Offer.self, Target(forbundID: forbundID, id: id), uniqueKey: "match.offer:\(id.uuidString.lowercased())",
                      meta: meta)
    }

    /// The `match.participant` job for a participant.
    public static func participant(_ id: UUID, forbundID: UUID, meta: JobMeta) throws -> JobInsert {
        try JobInsert(Participant.self, Target(forbundID: forbundID, id: id),
                      uniqueKey: "match.participant:\(id.uuidString.lowercased())", meta: meta)
    }

    /// Enqueues `jobs` in one statement (keys in sorted order, see `JobQueue.enqueue(batch:)`) and
    /// wakes the matching workers, in the caller's transaction.
    public static func enqueue(_ jobs: [JobInsert], queue: JobQueue = JobQueue(), in transaction: PostgresTransaction) async throws {
        guard !jobs.isEmpty else { return }
        _ = try await queue.enqueue(batch: jobs, in: transaction)
        try await transaction.execute("SELECT pg_notify(\(JobQueue.wakeupChannel), \(Self.queue))")
    }

    /// Enqueues `match.offer` for every open offer of an employer, in the caller's transaction: its
    /// sector and agreements enter the score and the supports its offers stand on.
    public static func rematchOffers(ofEmployer employerID: UUID, forbundID: UUID, meta: JobMeta = JobMeta(),
                                     in transaction: PostgresTransaction) async throws {
        let ids = try await transaction.query("""
            SELECT id FROM placement_offers WHERE forbund_id = \(forbundID) AND employer_id = \(employerID) AND status = 'open'
            ORDER BY id
            """).map { try $0.decode(UUID.self, "id") }
        try await enqueue(try ids.map { try offer($0, forbundID: forbundID, meta: meta) }, in: transaction)
    }

    /// Enqueues a rematch of everything, in every förbund: `match.participant` for each seeking
    /// participant and `match.offer` for each open offer. After the matching settings change every
    /// stored suggestion was scored by the old ones, so all of them are made again. Returns the count.
    @discardableResult
    public static func rematchEverything(meta: JobMeta, in transaction: PostgresTransaction) async throws -> Int {
        let participants = try await transaction.query("SELECT forbund_id, id FROM participants WHERE seeking ORDER BY forbund_id, id")
            .map { try participant($0.decode(UUID.self, "id"), forbundID: $0.decode(UUID.self, "forbund_id"), meta: meta) }
        let offers = try await transaction.query("SELECT forbund_id, id FROM placement_offers WHERE status = 'open' ORDER BY forbund_id, id")
            .map { try offer($0.decode(UUID.self, "id"), forbundID: $0.decode(UUID.self, "forbund_id"), meta: meta) }
        try await enqueue(participants + offers, in: transaction)
        return participants.count + offers.count
    }
}
