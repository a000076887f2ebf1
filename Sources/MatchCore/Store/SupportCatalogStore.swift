import Foundation

/// The SQL of the support catalog: versions are added, never changed in place.
public struct SupportCatalogStore: Sendable {
    /// A stored version.
    public struct StoredVersion: Sendable {
        /// Its code.
        public var code: String
        /// Its number, from 1 per code.
        public var version: Int
        /// The definition.
        public var definition: SupportDefinition
        /// When it was loaded.
        public var loadedAt: Date
        /// By whom.
        public var loadedBy: String
    }

    /// What a load did.
    public struct LoadSummary: Sendable, Codable {
        /// Versions added, as `code@valid_from`.
        public var added: [String]
        /// Versions already stored as they are.
        public var unchanged: [String]
    }

    /// A store.
    public init() {}

    /// Loads every entry of a checked catalog in the caller's transaction. An entry whose code and
    /// valid_from are stored with another definition refuses the whole load.
    public func load(_ entries: [SupportCatalogParser.Entry], loadedBy: String,
                     in transaction: PostgresTransaction) async throws -> LoadSummary {
        // One loader at a time, so version numbers do not race.
        try await transaction.execute("LOCK TABLE support_versions IN SHARE ROW EXCLUSIVE MODE")
        var summary = LoadSummary(added: [], unchanged: [])
        var problems: [SupportCatalogParser.Problem] = []
        for (index, entry) in entries.enumerated() {
            let definition = entry.definition
            let label = "\(definition.code)@\(definition.validFrom)"
            let existing = try await transaction.query("""
                SELECT definition = \(entry.json)::jsonb AS same FROM support_versions
                WHERE code = \(definition.code) AND valid_from = \(definition.validFrom)
                """)
            if let row = existing.first {
                if try row.decode(Bool.self, "same") {
                    summary.unchanged.append(label)
                } else {
                    problems.append(.init(path: "supports[\(index)]",
                                          message: "\(label) is stored with another rule; a change needs a new valid_from"))
                }
                continue
            }
            try await transaction.execute("""
                INSERT INTO support_versions (code, version, valid_from, valid_to, definition, loaded_by)
                SELECT \(definition.code), coalesce(max(version), 0) + 1, \(definition.validFrom), \(definition.validTo),
                       \(entry.json)::jsonb, \(loadedBy)
                FROM support_versions WHERE code = \(definition.code)
                """)
            summary.added.append(label)
        }
        if !problems.isEmpty { throw SupportCatalogParser.Failure(problems: problems) }
        return summary
    }

    /// Every stored version, by code and version.
    public func versions(on connection: PostgresConnection) async throws -> [StoredVersion] {
        try await connection.query("""
            SELECT code, version, definition::text AS definition, loaded_at, loaded_by FROM support_versions ORDER BY code, version
            """).map { row in
            StoredVersion(code: try row.decode(String.self, "code"), version: try row.decode(Int.self, "version"),
                          definition: try SupportCatalogParser.parseDefinition(try row.decode(String.self, "definition")),
                          loadedAt: try row.decode(Date.self, "loaded_at"), loadedBy: try row.decode(String.self, "loaded_by"))
        }
    }

    /// Every stored definition, for the evaluator (which picks the version in force).
    public func definitions(on connection: PostgresConnection) async throws -> [SupportDefinition] {
        try await versions(on: connection).map(\.definition)
    }
}
