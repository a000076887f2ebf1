import Foundation
import Logging

/// A bounded pool of connections, lent through scoped closures.
///
/// A connection is health-checked when lent and replaced when it broke; connecting again after
/// the server went away backs off exponentially until the caller's wait runs out; a caller that
/// waits longer than `acquireTimeout` for a free connection gets a `.poolTimeout` error.
public actor PostgresPool {
    /// How a pool connects and how far it grows.
    public struct Configuration: Sendable {
        /// The libpq connection string.
        public var conninfo: String
        /// The most connections the pool holds open at once.
        public var maxConnections: Int
        /// How long a caller waits for a connection before `.poolTimeout`.
        public var acquireTimeout: Duration
        /// Options of each connection.
        public var connectionOptions: PostgresConnection.Options
        /// The first wait before connecting again after a failure; doubles up to `maxBackoff`.
        public var initialBackoff: Duration = .milliseconds(50)
        /// The longest wait between attempts to connect.
        public var maxBackoff: Duration = .seconds(2)

        /// A pool of up to `maxConnections` connections to `conninfo`.
        public init(conninfo: String, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(10),
                    connectionOptions: PostgresConnection.Options = .init()) {
            self.conninfo = conninfo
            self.maxConnections = max(1, maxConnections)
            self.acquireTimeout = acquireTimeout
            self.connectionOptions = connectionOptions
        }
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<PostgresConnection, any Error>
    }

    /// The pool's configuration.
    public nonisolated let configuration: Configuration
    private let logger: Logger
    private var idle: [PostgresConnection] = []
    private var openCount = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    private var isClosed = false
    private var replacing = false

    /// A pool; it connects lazily, on the first lend.
    public init(configuration: Configuration, logger: Logger = Logger(label: "lotsen.postgres")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Lends a connection to `body` and takes it back when `body` returns or throws.
    nonisolated(nonsending) public func withConnection<T>(
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on a lent connection.
    @discardableResult
    nonisolated(nonsending) public func withTransaction<T>(
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in try await connection.withTransaction(body) }
    }

    /// Runs one statement on a lent connection and returns its rows.
    @discardableResult
    public nonisolated func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs one statement on a lent connection and returns the number of rows it affected.
    @discardableResult
    public nonisolated func execute(_ query: PostgresQuery) async throws -> Int {
        try await withConnection { try await $0.execute(query) }
    }

    /// How many connections are open, and how many of those are idle.
    public var counts: (open: Int, idle: Int) { (openCount, idle.count) }

    /// Closes every idle connection and refuses new lends; lent ones close when returned.
    public func close() async {
        isClosed = true
        let closing = idle
        idle.removeAll()
        openCount -= closing.count
        for connection in closing { await connection.close() }
        let pending = waiters
        waiters.removeAll()
        for waiter in pending { waiter.continuation.resume(throwing: PostgresError(.poolClosed, "the pool is closed")) }
    }

    // MARK: Lending

    private func acquire() async throws -> PostgresConnection {
        let deadline = ContinuousClock.now + configuration.acquireTimeout
        while true {
            if isClosed { throw PostgresError(.poolClosed, "the pool is closed") }
            if let connection = idle.popLast() {
                if await connection.isHealthy() { return connection }
                openCount -= 1
                await connection.close()
                continue
            }
            if openCount < configuration.maxConnections {
                openCount += 1
                do {
                    return try await connectWithBackoff(until: deadline)
                } catch {
                    openCount -= 1
                    throw error
                }
            }
            let connection = try await waitForRelease(until: deadline)
            if await connection.isHealthy() { return connection }
            openCount -= 1
            await connection.close()
        }
    }

    private func release(_ connection: PostgresConnection) async {
        var usable = await connection.isHealthy()
        if !usable, await !connection.isBroken, await connection.isInTransaction {
            // A body that left a transaction open (it should not): roll it back rather than leak it.
            let rolledBack = (try? await connection.run("ROLLBACK", session: nil, cancellable: false)) != nil
            usable = rolledBack ? await connection.isHealthy() : false
        }
        guard usable, !isClosed else {
            openCount -= 1
            await connection.close()
            replaceForWaiters()
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }

    private func waitForRelease(until deadline: ContinuousClock.Instant) async throws -> PostgresConnection {
        nextWaiterID += 1
        let id = nextWaiterID
        let timeout = Task { [weak self] in
            try await Task.sleep(until: deadline, clock: .continuous)
            await self?.expire(id, error: PostgresError(.poolTimeout,
                "no database connection became free within \(self?.configuration.acquireTimeout ?? .zero)"))
        }
        defer { timeout.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append(Waiter(id: id, continuation: continuation))
            }
        } onCancel: {
            Task { await self.expire(id, error: CancellationError()) }
        }
    }

    private func expire(_ id: Int, error: any Error) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: error)
    }

    /// Opens a connection for callers that wait while the pool has room again.
    private func replaceForWaiters() {
        guard !waiters.isEmpty, !replacing, !isClosed, openCount < configuration.maxConnections else { return }
        replacing = true
        openCount += 1
        Task {
            defer { replacing = false }
            do {
                let connection = try await connectWithBackoff(until: .now + configuration.acquireTimeout)
                await release(connection)
            } catch {
                openCount -= 1
            }
        }
    }

    private func connectWithBackoff(until deadline: ContinuousClock.Instant) async throws -> PostgresConnection {
        var backoff = configuration.initialBackoff
        while true {
            do {
                return try await PostgresConnection.connect(configuration.conninfo, options: configuration.connectionOptions)
            } catch let error as PostgresError {
                let now = ContinuousClock.now
                guard now + backoff < deadline, !isClosed else { throw error }
                logger.warning("connecting to the database failed; retrying",
                               metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
        }
    }
}
