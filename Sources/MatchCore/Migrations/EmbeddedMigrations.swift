/// The migrations compiled into the binary, so a `matchd` or `matchctl` copied alone to another
/// machine still has them. Add a line here for each new file in `sql/` (a test checks the two agree).
public enum EmbeddedMigrations {
    /// Every migration file, by name, with its bytes.
    static let files: [(name: String, bytes: [UInt8])] = [
        ("0001_jobs.sql", PackageResources._001_jobs_sql),
        ("0002_queue_runtime.sql", PackageResources._002_queue_runtime_sql),
        ("0003_tenancy.sql", PackageResources._003_tenancy_sql),
        ("0004_employers_offers.sql", PackageResources._004_employers_offers_sql),
        ("0005_participants_supports.sql", PackageResources._005_participants_supports_sql),
        ("0006_suggestions.sql", PackageResources._006_suggestions_sql),
        ("0007_offer_index_notifications.sql", PackageResources._007_offer_index_notifications_sql),
        ("0008_declared_json_names.sql", PackageResources._008_declared_json_names_sql),
        ("0009_matching_integrity.sql", PackageResources._009_matching_integrity_sql),
        ("0010_review_workflow.sql", PackageResources._010_review_workflow_sql),
        ("0011_placements.sql", PackageResources._011_placements_sql),
        ("0012_inbox.sql", PackageResources._012_inbox_sql),
        ("0013_email_webhooks.sql", PackageResources._013_email_webhooks_sql),
        ("0014_daemon_settings.sql", PackageResources._014_daemon_settings_sql),
        ("0015_auth_notifications.sql", PackageResources._015_auth_notifications_sql),
    ]

    /// The names of the files this binary carries.
    public static var fileNames: [String] { files.map(\.name) }

    /// The migrations, in order.
    public static let all: [Migration] = files.compactMap { Migration(fileName: $0.name, contents: $0.bytes) }
        .sorted { $0.version < $1.version }
}
