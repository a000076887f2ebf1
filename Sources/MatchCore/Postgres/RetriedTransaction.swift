import Foundation

extension PostgresPool {
    /// The errors after which PostgreSQL has rolled the transaction back to break a conflict, so
    /// running it again from its first statement is safe: a deadlock (40P01) and a serialization
    /// failure (40001).
    public static let retriedConflicts: Set<String> = [SQLState.deadlockDetected, SQLState.serializationFailure]

    /// Runs `body` in a transaction, and runs it again from the start, up to `attempts` times in
    /// all, when PostgreSQL aborts it to break a deadlock or a serialization conflict. `body` must
    /// do nothing outside the transaction that a second run would repeat.
    public func withRetriedTransaction<T: Sendable>(attempts: Int = 3,
                                                    _ body: @Sendable (PostgresTransaction) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await withTransaction(body)
            } catch let error as PostgresError where Self.retriedConflicts.contains(error.sqlState ?? "") && attempt < attempts {
                attempt += 1
            }
        }
    }
}
