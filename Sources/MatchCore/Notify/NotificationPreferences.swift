import Foundation

/// A user's notification settings: their language, and per event category and channel whether
/// they want it. The inbox is always on; email is on unless a setting turns it off, and the most
/// specific setting wins (a category's over the user's `*`).
public struct NotificationPreferences: Sendable, Encodable {
    /// One stored setting.
    public struct Setting: Sendable, Codable, Hashable {
        /// A category's raw value, or `*` for every category.
        public var category: String
        /// The channel (`email`; the inbox cannot be turned off).
        public var channel: String
        /// On or off.
        public var enabled: Bool

        /// A setting.
        public init(category: String, channel: String, enabled: Bool) {
            self.category = category
            self.channel = channel
            self.enabled = enabled
        }

        enum CodingKeys: String, CodingKey { case category, channel, enabled }
    }

    /// What applies to one category.
    public struct Effective: Sendable, Encodable, Hashable {
        /// The category.
        public var category: NotificationCategory
        /// Always true.
        public var inbox: Bool
        /// Whether email is sent.
        public var email: Bool

        enum CodingKeys: String, CodingKey { case category, inbox, email }
    }

    /// `sv` or `en`: the language of the user's inbox texts and emails.
    public var locale: String
    /// The settings as stored.
    public var settings: [Setting]
    /// What applies to each category.
    public var effective: [Effective]
    /// Counts changes: the ETag.
    public var version: Int

    enum CodingKeys: String, CodingKey { case locale, settings, effective, version }

    /// The preferences that `settings` make.
    init(locale: String, settings: [Setting], version: Int) {
        self.locale = locale
        self.version = version
        self.settings = settings.sorted { ($0.category, $0.channel) < ($1.category, $1.channel) }
        let email = Dictionary(settings.filter { $0.channel == "email" }.map { ($0.category, $0.enabled) }) { $1 }
        effective = NotificationCategory.allCases.map {
            Effective(category: $0, inbox: true, email: email[$0.rawValue] ?? email["*"] ?? true)
        }
    }
}

/// The body of `PUT /v1/me/notifications`, as sent.
public struct NotificationPreferencesInput: Sendable, Decodable {
    /// `sv` or `en`; unchanged when absent.
    public var locale: String?
    /// The settings, replacing the stored ones.
    public var settings: [NotificationPreferences.Setting]?

    /// An input with these fields.
    public init(locale: String? = nil, settings: [NotificationPreferences.Setting]? = nil) {
        self.locale = locale
        self.settings = settings
    }

    enum CodingKeys: String, CodingKey { case locale, settings }

    /// Checks the language and each setting's category and channel (each pair at most once).
    public func validated() throws(FieldErrors) -> (locale: String?, settings: [NotificationPreferences.Setting]) {
        var check = InputCheck()
        if let locale, !["sv", "en"].contains(locale) { check.errors.add("/locale", rule: "enum", "must be one of: sv, en") }
        let settings = check.required(settings, "/settings") ?? []
        let categories = ["*"] + NotificationCategory.allCases.map(\.rawValue)
        var seen: Set<String> = []
        for (index, setting) in settings.enumerated() {
            if !categories.contains(setting.category) {
                check.errors.add("/settings/\(index)/category", rule: "enum", "must be one of: \(categories.joined(separator: ", "))")
            }
            if setting.channel != "email" {
                check.errors.add("/settings/\(index)/channel", rule: "enum", "must be email (the inbox is always on)")
            }
            if !seen.insert(setting.category + " " + setting.channel).inserted {
                check.errors.add("/settings/\(index)", rule: "unique", "sets \(setting.category) \(setting.channel) twice")
            }
        }
        try check.finish()
        return (locale, settings)
    }
}

/// The SQL of notification preferences.
public struct NotificationPreferencesStore: Sendable {
    /// A store.
    public init() {}

    /// A user's preferences; nil when there is no such user.
    public func get(forbundID: UUID, userID: UUID, on connection: PostgresConnection) async throws -> NotificationPreferences? {
        guard let user = try await connection.query("""
            SELECT locale, notification_version FROM users WHERE forbund_id = \(forbundID) AND id = \(userID)
            """).first else { return nil }
        let settings = try await connection.query("""
            SELECT category, channel, enabled FROM notification_preferences WHERE forbund_id = \(forbundID) AND user_id = \(userID)
            """).map { NotificationPreferences.Setting(category: try $0.decode(String.self, "category"),
                                                       channel: try $0.decode(String.self, "channel"),
                                                       enabled: try $0.decode(Bool.self, "enabled")) }
        return NotificationPreferences(locale: try user.decode(String.self, "locale"), settings: settings,
                                       version: try user.decode(Int.self, "notification_version"))
    }

    /// Replaces a user's settings (and language, when given); a stale `ifVersion` is a 412.
    public func replace(forbundID: UUID, userID: UUID, locale: String?, settings: [NotificationPreferences.Setting], ifVersion: Int?,
                        in transaction: PostgresTransaction) async throws -> NotificationPreferences {
        let rows = try await transaction.query("""
            SELECT notification_version AS version FROM users WHERE forbund_id = \(forbundID) AND id = \(userID) FOR NO KEY UPDATE
            """)
        try StoreError.requireVersion(of: rows.first, matching: ifVersion)
        try await transaction.execute("""
            UPDATE users SET locale = coalesce(\(locale), locale), notification_version = notification_version + 1
            WHERE forbund_id = \(forbundID) AND id = \(userID)
            """)
        try await transaction.execute("""
            DELETE FROM notification_preferences WHERE forbund_id = \(forbundID) AND user_id = \(userID)
            """)
        try await transaction.execute("""
            INSERT INTO notification_preferences (forbund_id, user_id, category, channel, enabled)
            SELECT \(forbundID), \(userID), category, channel, enabled
            FROM unnest(\(settings.map(\.category))::text[], \(settings.map(\.channel))::text[], \(settings.map { $0.enabled ? "true" : "false" })::boolean[])
                AS s(category, channel, enabled)
            """)
        guard let preferences = try await get(forbundID: forbundID, userID: userID, on: transaction.connection) else {
            throw StoreError.notFound
        }
        return preferences
    }
}
