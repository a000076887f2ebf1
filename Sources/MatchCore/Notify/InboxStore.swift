import Foundation

/// The SQL of a user's inbox: pages of entries (newest first), the unread count, marking read,
/// and the entries after a sequence number (what the live stream sends and a reconnect replays).
/// Every read that names a participant (a coordinator's entries name the case reference) is
/// audited as a read of that participant, as the suggestion lists are.
public struct InboxStore: Sendable {
    /// Who reads: the user, their kind and language.
    public struct Reader: Sendable {
        /// The förbund.
        public var forbundID: UUID
        /// The user.
        public var userID: UUID
        /// An employer's user (sees candidates, never participants).
        public var isEmployer: Bool
        /// `sv` or `en`.
        public var locale: String
    }

    /// Where links point: `[http] public_url`.
    let publicURL: String?

    /// A store whose links are built under `publicURL`.
    public init(publicURL: String? = nil) { self.publicURL = publicURL }

    /// The user as a reader of their inbox; nil when there is no such active user.
    public func reader(forbundID: UUID, userID: UUID, on connection: PostgresConnection) async throws -> Reader? {
        try await connection.query("""
            SELECT kind, locale FROM users WHERE forbund_id = \(forbundID) AND id = \(userID) AND active
            """).first.map { row in
            Reader(forbundID: forbundID, userID: userID, isEmployer: try row.decode(String.self, "kind") == "employer",
                   locale: try row.decode(String.self, "locale"))
        }
    }

    /// A page of entries, newest first; only unread ones when `unreadOnly`.
    public func list(_ reader: Reader, unreadOnly: Bool, page: PageRequest, by context: AuditContext,
                     in transaction: PostgresTransaction) async throws -> Page<InboxEntry> {
        var condition: PostgresQuery = unreadOnly ? "AND i.read_at IS NULL" : ""
        if let after = page.after {
            guard after.values.count == 1, let sequence = Int64(after.values[0]) else { throw PageCursorError() }
            condition = "\(condition) AND i.sequence < \(sequence)"
        }
        let (entries, participants) = try await entries(reader, condition, order: "DESC", limit: page.limit + 1, on: transaction.connection)
        try await AuditLog().recordReads(of: participants, forbundID: reader.forbundID, context: context, in: transaction)
        let shown = Array(entries.prefix(page.limit))
        let next = entries.count > page.limit ? shown.last.map { PageCursor(values: [String($0.sequence)]).encoded } : nil
        return Page(items: shown, nextCursor: next)
    }

    /// The most entries one read of a stream returns.
    public static let streamPage = 500

    /// The entries numbered after `sequence`, oldest first (at most `limit`).
    public func entries(_ reader: Reader, after sequence: Int64, limit: Int = streamPage, by context: AuditContext,
                        in transaction: PostgresTransaction) async throws -> [InboxEntry] {
        let (entries, participants) = try await entries(reader, "AND i.sequence > \(sequence)", order: "ASC", limit: limit,
                                                        on: transaction.connection)
        try await AuditLog().recordReads(of: participants, forbundID: reader.forbundID, context: context, in: transaction)
        return entries
    }

    /// The user's last sequence number.
    public func lastSequence(_ reader: Reader, on connection: PostgresConnection) async throws -> Int64 {
        try await connection.query("""
            SELECT inbox_sequence FROM users WHERE forbund_id = \(reader.forbundID) AND id = \(reader.userID)
            """).first?.decode(Int64.self, "inbox_sequence") ?? 0
    }

    /// How many entries are unread.
    public func unreadCount(_ reader: Reader, on connection: PostgresConnection) async throws -> Int {
        try await connection.query("""
            SELECT count(*) AS n FROM inbox_entries WHERE forbund_id = \(reader.forbundID) AND user_id = \(reader.userID) AND read_at IS NULL
            """)[0].decode(Int.self, "n")
    }

    /// Marks one entry read (again is no change); false when the user has no such entry.
    public func markRead(_ reader: Reader, id: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("""
            UPDATE inbox_entries SET read_at = coalesce(read_at, now())
            WHERE forbund_id = \(reader.forbundID) AND user_id = \(reader.userID) AND id = \(id) RETURNING id
            """).count == 1
    }

    /// Marks every entry read; returns how many were unread.
    public func markAllRead(_ reader: Reader, on connection: PostgresConnection) async throws -> Int {
        try await connection.execute("""
            UPDATE inbox_entries SET read_at = now()
            WHERE forbund_id = \(reader.forbundID) AND user_id = \(reader.userID) AND read_at IS NULL
            """)
    }

    func entries(_ reader: Reader, _ condition: PostgresQuery, order: String, limit: Int,
                 on connection: PostgresConnection) async throws -> ([InboxEntry], Set<UUID>) {
        let rows = try await connection.query("""
            SELECT i.id, i.sequence, i.type, i.created_at, i.read_at, i.suggestion_id, i.suggestion_ids, i.participant_id, i.offer_id,
                   i.placement_id, i.check_in_id, i.webhook_id, \(InboxText.nameColumns)
            FROM inbox_entries i \(InboxText.nameJoins)
            WHERE i.forbund_id = \(reader.forbundID) AND i.user_id = \(reader.userID) \(condition)
            ORDER BY i.sequence \(PostgresQuery(unsafeSQL: order == "DESC" ? "DESC" : "ASC")) LIMIT \(limit)
            """)
        var named: Set<UUID> = []
        let entries = try rows.map { row -> InboxEntry in
            let typeText = try row.decode(String.self, "type")
            guard let kind = Event.Kind(rawValue: typeText) else { throw StoredValueError(column: "type", value: typeText) }
            let participant = try row.decode(UUID?.self, "participant_id")
            let reference = reader.isEmployer ? nil : try row.decode(String?.self, "case_reference")
            if reference != nil, let participant { named.insert(participant) }
            let suggestionIDs = try row.decode([UUID].self, "suggestion_ids")
            let names = InboxText.Names(caseReference: reference, offerTitle: try row.decode(String?.self, "offer_title"),
                                        employerName: try row.decode(String?.self, "employer_name"), count: max(1, suggestionIDs.count))
            let suggestion = try row.decode(UUID?.self, "suggestion_id")
            var entry = InboxEntry(
                id: try row.decode(UUID.self, "id"), sequence: try row.decode(Int64.self, "sequence"), type: typeText,
                category: NotificationCategory(kind), createdAt: try row.decode(Date.self, "created_at"),
                readAt: try row.decode(Date?.self, "read_at"),
                text: InboxText.text(kind, locale: reader.locale, toEmployer: reader.isEmployer, names),
                suggestionID: reader.isEmployer ? nil : suggestion, suggestionIDs: reader.isEmployer ? [] : suggestionIDs,
                candidateID: reader.isEmployer ? suggestion : nil, offerID: try row.decode(UUID?.self, "offer_id"),
                placementID: reader.isEmployer ? nil : try row.decode(UUID?.self, "placement_id"),
                checkInID: reader.isEmployer ? nil : try row.decode(UUID?.self, "check_in_id"),
                webhookID: reader.isEmployer ? nil : try row.decode(UUID?.self, "webhook_id"), links: [])
            entry.links = links(entry, participant: reader.isEmployer ? nil : participant)
            return entry
        }
        return (entries, named)
    }

    func links(_ entry: InboxEntry, participant: UUID?) -> [InboxEntry.Link] {
        var links: [(String, String)] = []
        if let id = entry.suggestionID { links.append(("suggestion", "/v1/suggestions/\(id.uuidString.lowercased())")) }
        if entry.type == Event.Kind.suggestionsNew.rawValue, let participant {
            links.append(("suggestions", "/v1/suggestions?participant=\(participant.uuidString.lowercased())"))
        }
        if let id = entry.webhookID { links.append(("webhook", "/v1/webhooks/\(id.uuidString.lowercased())")) }
        if let id = entry.candidateID { links.append(("candidate", "/v1/candidates/\(id.uuidString.lowercased())")) }
        if let id = entry.offerID { links.append(("offer", "/v1/offers/\(id.uuidString.lowercased())")) }
        if let id = entry.placementID {
            links.append(("placement", "/v1/placements/\(id.uuidString.lowercased())"))
            if entry.checkInID != nil { links.append(("check_ins", "/v1/placements/\(id.uuidString.lowercased())/check-ins")) }
        }
        return links.map { rel, path in InboxEntry.Link(rel: rel, path: path, url: publicURL.map { $0 + path }) }
    }
}
