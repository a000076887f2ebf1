import Foundation
import Logging
import Metrics
import Synchronization

/// A bounded pool of connections, lent through scoped closures.
///
/// A connection is checked when lent and replaced when it broke; connecting again after the
/// server went away backs off exponentially until the caller's wait runs out; a caller that
/// waits longer than `acquireTimeout` for a free connection gets a `.poolTimeout` error.
/// Lending and returning take a lock, not a hop onto an actor: a statement on a pooled
/// connection costs one thread hop, as on a connection of one's own.
public final class PostgresPool: Sendable {
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

    private struct State {
        var idle: [PostgresConnection] = []
        var openCount = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var isClosed = false
        var replacing = false
    }

    /// What `acquire` decided under the lock.
    private enum Lend {
        case connection(PostgresConnection)
        case connect
        case wait
    }

    /// The pool's configuration.
    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())
    /// How long callers wait when every connection is lent.
    private let waitTimer = Metrics.Timer(label: "lotsen_db_pool_wait_seconds")

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
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs one statement on a lent connection and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await withConnection { try await $0.execute(query) }
    }

    /// How many connections are open, and how many of those are idle.
    public var counts: (open: Int, idle: Int) { state.withLock { ($0.openCount, $0.idle.count) } }

    /// The pool now: connections lent, idle, and callers waiting for one.
    public var usage: (inUse: Int, idle: Int, waiting: Int) {
        state.withLock { ($0.openCount - $0.idle.count, $0.idle.count, $0.waiters.count) }
    }

    /// Records `usage` as gauges (matchd does so when `/metrics` is read).
    public func recordUsage() {
        let now = usage
        Gauge(label: "lotsen_db_pool_connections", dimensions: [("state", "in_use")]).record(now.inUse)
        Gauge(label: "lotsen_db_pool_connections", dimensions: [("state", "idle")]).record(now.idle)
        Gauge(label: "lotsen_db_pool_waiting").record(now.waiting)
        Gauge(label: "lotsen_db_pool_max_connections").record(configuration.maxConnections)
    }

    /// Closes every idle connection and refuses new lends; lent ones close when returned.
    public func close() async {
        let (closing, pending) = state.withLock { state in
            state.isClosed = true
            defer {
                state.openCount -= state.idle.count
                state.idle.removeAll()
                state.waiters.removeAll()
            }
            return (state.idle, state.waiters)
        }
        for connection in closing { await connection.close() }
        for waiter in pending { waiter.continuation.resume(throwing: PostgresError(.poolClosed, "the pool is closed")) }
    }

    // MARK: Lending

    private func acquire() async throws -> PostgresConnection {
        let deadline = ContinuousClock.now + configuration.acquireTimeout
        while true {
            let lend = try state.withLock { state -> Lend in
                if state.isClosed { throw PostgresError(.poolClosed, "the pool is closed") }
                if let connection = state.idle.popLast() { return .connection(connection) }
                if state.openCount < configuration.maxConnections {
                    state.openCount += 1
                    return .connect
                }
                return .wait
            }
            let connection: PostgresConnection
            switch lend {
            case .connection(let idle):
                connection = idle
            case .connect:
                do {
                    return try await connectWithBackoff(until: deadline)
                } catch {
                    state.withLock { $0.openCount -= 1 }
                    throw error
                }
            case .wait:
                let waited = ContinuousClock.now
                defer { waitTimer.recordNanoseconds(Int64((ContinuousClock.now - waited).inSeconds * 1e9)) }
                connection = try await waitForRelease(until: deadline)
            }
            if connection.isReadyWhileIdle() { return connection }
            await discard(connection)
        }
    }

    private func release(_ connection: PostgresConnection) async {
        var usable = connection.isReadyWhileIdle()
        if !usable, await !connection.isBroken, await connection.isInTransaction {
            // A body that left a transaction open (it should not): roll it back rather than leak it.
            let rolledBack = (try? await connection.run("ROLLBACK", session: nil, cancellable: false)) != nil
            usable = rolledBack && connection.isReadyWhileIdle()
        }
        guard usable else {
            await discard(connection)
            return
        }
        let waiter = state.withLock { state -> Waiter?? in
            if state.isClosed { return .none }
            if !state.waiters.isEmpty { return .some(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .some(nil)
        }
        switch waiter {
        case .none: await discard(connection)
        case .some(.some(let waiter)): waiter.continuation.resume(returning: connection)
        case .some(.none): break
        }
    }

    private func discard(_ connection: PostgresConnection) async {
        state.withLock { $0.openCount -= 1 }
        await connection.close()
        replaceForWaiters()
    }

    private func waitForRelease(until deadline: ContinuousClock.Instant) async throws -> PostgresConnection {
        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let timeout = Task { [weak self, configuration] in
            try await Task.sleep(until: deadline, clock: .continuous)
            self?.expire(id, error: PostgresError(.poolTimeout,
                "no database connection became free within \(configuration.acquireTimeout)"))
        }
        defer { timeout.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // A connection returned since the caller looked is taken at once.
                let idle = state.withLock { state -> PostgresConnection? in
                    if let connection = state.idle.popLast() { return connection }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let idle { continuation.resume(returning: idle) }
            }
        } onCancel: {
            self.expire(id, error: CancellationError())
        }
    }

    private func expire(_ id: Int, error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    /// Opens a connection for callers that wait while the pool has room again.
    private func replaceForWaiters() {
        let start = state.withLock { state -> Bool in
            guard !state.waiters.isEmpty, !state.replacing, !state.isClosed,
                  state.openCount < configuration.maxConnections else { return false }
            state.replacing = true
            state.openCount += 1
            return true
        }
        guard start else { return }
        Task {
            defer { state.withLock { $0.replacing = false } }
            do {
                let connection = try await connectWithBackoff(until: .now + configuration.acquireTimeout)
                await release(connection)
            } catch {
                state.withLock { $0.openCount -= 1 }
            }
        }
    }

    private func connectWithBackoff(until deadline: ContinuousClock.Instant) async throws -> PostgresConnection {
        var backoff = configuration.initialBackoff
        while true {
            do {
                return try await PostgresConnection.connect(configuration.conninfo, options: configuration.connectionOptions)
            } catch let error as PostgresError {
                let closed = state.withLock { $0.isClosed }
                guard ContinuousClock.now + backoff < deadline, !closed else { throw error }
                logger.warning("connecting to the database failed; retrying",
                               metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
        }
    }
}
