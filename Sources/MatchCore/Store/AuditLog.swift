import Foundation

/// The audit log: who read or wrote what, when and why, by id, never the personal values.
public struct AuditLog: Sendable {
    /// What was done.
    public enum Action: String, Sendable, Codable {
        /// Read one record.
        case read
        /// Created a record.
        case create
        /// Changed a record.
        case update
        /// Deleted a record.
        case delete
        /// Exported a person's data (right of access).
        case export
        /// Erased a person's data.
        case erase
        /// An automated read of many records (a full rematch), logged once per run.
        case bulkRead = "bulk_read"
        /// Shown to someone outside the förbund: an employer read a presented candidate.
        case disclose
    }

    /// A log.
    public init() {}

    /// Records one entry in the caller's transaction, so it commits with what it records.
    public func record(_ action: Action, entity: String, id: String?, forbundID: UUID, actor: String,
                       reason: String? = nil, requestID: String? = nil, in transaction: PostgresTransaction) async throws {
        try await transaction.execute("""
            INSERT INTO audit_log (forbund_id, actor, action, entity, entity_id, reason, request_id)
            VALUES (\(forbundID), \(actor), \(action.rawValue), \(entity), \(id), \(reason), \(requestID))
            """)
    }
}

/// Who acts, why and in which request: what every audited read and write records.
public struct AuditContext: Sendable {
    /// The actor as the audit log names it (`user:…`, `token:…`, `matchctl:os-user`).
    public var actor: String
    /// Why, when the caller said (matchctl requires it).
    public var reason: String?
    /// The request or command run.
    public var requestID: String?

    /// A context for `actor`.
    public init(actor: String, reason: String? = nil, requestID: String? = nil) {
        self.actor = actor
        self.reason = reason
        self.requestID = requestID
    }

    var meta: JobMeta { JobMeta(actor: actor, requestID: requestID) }
}

extension AuditLog {
    /// Records one entry for each id, in one statement.
    func record(_ action: Action, entity: String, ids: [UUID], forbundID: UUID, context: AuditContext,
                in transaction: PostgresTransaction) async throws {
        guard !ids.isEmpty else { return }
        try await transaction.execute("""
            INSERT INTO audit_log (forbund_id, actor, action, entity, entity_id, reason, request_id)
            SELECT \(forbundID), \(context.actor), \(action.rawValue), \(entity), lower(id::text), \(context.reason), \(context.requestID)
            FROM unnest(\(ids)::uuid[]) AS id
            """)
    }
}

extension AuditLog {
    /// Records a read of each participant in `ids` (a page of suggestions names them).
    public func recordReads(of ids: Set<UUID>, forbundID: UUID, context: AuditContext, in transaction: PostgresTransaction) async throws {
        try await record(.read, entity: ParticipantStore.entity, ids: ids.sorted { $0.uuidString < $1.uuidString },
                         forbundID: forbundID, context: context, in: transaction)
    }
}
