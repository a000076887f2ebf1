/// SQLSTATE codes the project acts on, and the condition names of the common ones.
public enum SQLState {
    /// `unique_violation`.
    public static let uniqueViolation = "23505"
    /// `foreign_key_violation`.
    public static let foreignKeyViolation = "23503"
    /// `check_violation`.
    public static let checkViolation = "23514"
    /// `not_null_violation`.
    public static let notNullViolation = "23502"
    /// `syntax_error`.
    public static let syntaxError = "42601"
    /// `query_canceled`: a cancel request or a statement timeout.
    public static let queryCanceled = "57014"
    /// `serialization_failure`.
    public static let serializationFailure = "40001"
    /// `deadlock_detected`.
    public static let deadlockDetected = "40P01"
    /// `lock_not_available`.
    public static let lockNotAvailable = "55P03"

    /// Condition names by SQLSTATE, from the PostgreSQL manual's Appendix A.
    static let names: [String: String] = [
        "08000": "connection_exception", "08003": "connection_does_not_exist",
        "08006": "connection_failure", "08001": "sqlclient_unable_to_establish_sqlconnection",
        "0A000": "feature_not_supported", "21000": "cardinality_violation",
        "22001": "string_data_right_truncation", "22003": "numeric_value_out_of_range",
        "22007": "invalid_datetime_format", "22008": "datetime_field_overflow",
        "22012": "division_by_zero", "22P02": "invalid_text_representation",
        "22023": "invalid_parameter_value", "22004": "null_value_not_allowed",
        "23000": "integrity_constraint_violation", "23502": "not_null_violation",
        "23503": "foreign_key_violation", "23505": "unique_violation",
        "23514": "check_violation", "23P01": "exclusion_violation",
        "25001": "active_sql_transaction", "25P02": "in_failed_sql_transaction",
        "26000": "invalid_sql_statement_name", "28000": "invalid_authorization_specification",
        "28P01": "invalid_password", "3D000": "invalid_catalog_name",
        "3F000": "invalid_schema_name", "40001": "serialization_failure",
        "40P01": "deadlock_detected", "42501": "insufficient_privilege",
        "42601": "syntax_error", "42703": "undefined_column", "42704": "undefined_object",
        "42710": "duplicate_object", "42P01": "undefined_table", "42P04": "duplicate_database",
        "42P07": "duplicate_table", "42883": "undefined_function", "42804": "datatype_mismatch",
        "53300": "too_many_connections", "55P03": "lock_not_available",
        "55006": "object_in_use", "57014": "query_canceled", "57P01": "admin_shutdown",
        "57P02": "crash_shutdown", "57P03": "cannot_connect_now", "P0001": "raise_exception",
    ]
}
