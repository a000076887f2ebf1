import Synchronization

/// An open transaction on a connection, handed to the body of `withTransaction`.
///
/// Statements go through the transaction so that they fail, rather than run outside it,
/// when the session was lost. Work registered with `afterCommit` runs once the transaction
/// committed (the queue sends its wake-up NOTIFY there), and never when it rolled back.
public struct PostgresTransaction: Sendable {
    /// The connection the transaction runs on.
    public let connection: PostgresConnection
    let session: Int
    let depth: Int
    let hooks: AfterCommitHooks

    /// Runs a statement in the transaction and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await connection.run(query, session: session, cancellable: true)
    }

    /// Runs a statement in the transaction and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await connection.run(query, session: session, cancellable: true).affectedRows
    }

    /// Registers work to run after a successful commit of the outermost transaction.
    public func afterCommit(_ work: @escaping @Sendable () async -> Void) {
        hooks.add(work, depth: depth)
    }

    /// Runs `body` inside a savepoint: a throw rolls back to it and rethrows, keeping the outer work.
    @discardableResult
    nonisolated(nonsending) public func savepoint<T>(
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        let name = PostgresIdentifier.quote("lotsen_savepoint_\(depth + 1)")
        try await connection.run(PostgresQuery(unsafeSQL: "SAVEPOINT \(name)"), session: session, cancellable: true)
        let inner = PostgresTransaction(connection: connection, session: session, depth: depth + 1, hooks: hooks)
        do {
            let value = try await body(inner)
            try await connection.run(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(name)"), session: session,
                                     cancellable: false)
            return value
        } catch {
            hooks.discard(fromDepth: depth + 1)
            _ = try? await connection.run(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(name)"),
                                          session: session, cancellable: false)
            throw error
        }
    }
}

/// The after-commit work of one transaction, by the savepoint depth that registered it.
final class AfterCommitHooks: Sendable {
    private let entries = Mutex<[(depth: Int, work: @Sendable () async -> Void)]>([])

    func add(_ work: @escaping @Sendable () async -> Void, depth: Int) {
        entries.withLock { $0.append((depth, work)) }
    }

    func discard(fromDepth depth: Int) {
        entries.withLock { $0.removeAll { $0.depth >= depth } }
    }

    func run() async {
        let work = entries.withLock { entries in
            defer { entries.removeAll() }
            return entries.map(\.work)
        }
        for item in work { await item() }
    }
}

extension PostgresConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    @discardableResult
    nonisolated(nonsending) public func withTransaction<T>(
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        try await withTransaction(begin: "BEGIN", body)
    }

    /// Runs `body` in a transaction opened with `begin` (e.g. `BEGIN ISOLATION LEVEL SERIALIZABLE`).
    @discardableResult
    nonisolated(nonsending) public func withTransaction<T>(
        begin: String,
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        try await run(PostgresQuery(unsafeSQL: begin), session: nil, cancellable: true)
        let transaction = PostgresTransaction(connection: self, session: await sessionGeneration, depth: 0,
                                              hooks: AfterCommitHooks())
        let value: T
        do {
            value = try await body(transaction)
        } catch {
            // Roll back even when the task was cancelled: the connection must come back clean.
            _ = try? await run("ROLLBACK", session: nil, cancellable: false)
            throw error
        }
        let status = try await run("COMMIT", session: transaction.session, cancellable: false)
        // COMMIT of a transaction that failed earlier answers ROLLBACK without an error.
        guard status.commandTag != "ROLLBACK" else {
            throw PostgresError(.server, "the transaction was rolled back because a statement in it failed",
                                sqlState: "25P02")
        }
        await transaction.hooks.run()
        return value
    }
}
