import CPostgres
import Foundation
import Synchronization

/// One libpq connection, with its own thread so that libpq's blocking calls never hold a thread
/// of Swift's cooperative pool.
///
/// Statements run one at a time in the order they arrive. Cancelling the calling task cancels
/// the running statement on the server (SQLSTATE 57014); a cancel that lands after its statement
/// finished cannot reach the next statement, because the session is reset first.
public actor PostgresConnection {
    /// What a connection does besides connecting.
    public struct Options: Sendable {
        /// Prepare each distinct statement once per connection and reuse it. Turn off behind
        /// a pooler in transaction mode, where a session's prepared statements do not persist.
        public var usePreparedStatements = true
        /// How many distinct statements a connection keeps prepared.
        public var statementCacheCapacity = 512
        /// The `application_name` shown in `pg_stat_activity`, unless the connection string sets one.
        public var applicationName = "lotsen"

        /// The defaults.
        public init() {}
    }

    private nonisolated let executor: ThreadExecutor
    /// The connection's own thread.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// A number that names this connection in logs.
    public nonisolated let id: Int
    private let conninfo: String
    private let options: Options
    private var handle: ConnectionHandle?
    private let cancelGuard = CancelGuard()
    private var preparedStatements: [String: String] = [:]
    private var preparedCount = 0
    /// Counts resets: a transaction begun in an earlier session must not go on in a new one.
    private(set) var sessionGeneration = 0
    /// Whether the connection is known to be unusable; a pool replaces it.
    public private(set) var isBroken = false {
        didSet { refreshReadiness() }
    }
    /// Whether it is idle outside a transaction and not broken, kept after every statement so a
    /// pool can check a connection without hopping onto its thread.
    private nonisolated let ready = Atomic<Bool>(false)
    private nonisolated let socket = Atomic<Int32>(-1)

    private static let counter = Atomic<Int>(0)

    private init(conninfo: String, options: Options) {
        let id = Self.counter.add(1, ordering: .relaxed).newValue
        self.id = id
        self.conninfo = conninfo
        self.options = options
        self.executor = ThreadExecutor(name: "postgres-\(id)")
    }

    /// Connects with a libpq connection string (URI or key=value; empty uses libpq's `PG*` variables).
    public static func connect(_ conninfo: String, options: Options = Options()) async throws -> PostgresConnection {
        let connection = PostgresConnection(conninfo: conninfo, options: options)
        do {
            try await connection.open()
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    deinit {
        executor.shutdown()
    }

    /// Closes the connection; later statements fail. Calling it twice is harmless.
    public func close() {
        ready.store(false, ordering: .releasing)
        handle = nil
        isBroken = true
        executor.shutdown()
    }

    // MARK: Statements

    /// Runs a statement and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await run(query, session: nil, cancellable: true)
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await run(query, session: nil, cancellable: true).affectedRows
    }

    /// Runs SQL text that may hold several statements and no parameters (a migration file).
    public func executeScript(_ sql: String) async throws {
        try await withTaskCancellationHandler {
            try runScript(sql)
        } onCancel: { [cancelGuard] in
            cancelGuard.requestCancel()
        }
    }

    /// Whether a transaction is open (or failed and not yet rolled back) on this connection.
    public var isInTransaction: Bool {
        guard let raw = handle?.pointer else { return false }
        let status = PQtransactionStatus(raw)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// The server's process id for this session (what `pg_terminate_backend` takes).
    public var backendPID: Int32 {
        guard let raw = handle?.pointer else { return 0 }
        return PQbackendPID(raw)
    }

    /// Runs a statement; `session`, when given, must still be the current session generation.
    @discardableResult
    func run(_ query: PostgresQuery, session: Int?, cancellable: Bool) async throws -> PostgresRows {
        if let session, session != sessionGeneration {
            throw PostgresError(.sessionLost, "the connection was reset while a transaction was open on it")
        }
        guard cancellable else { return try runStatement(query) }
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            try runStatement(query)
        } onCancel: { [cancelGuard] in
            cancelGuard.requestCancel()
        }
    }

    // MARK: Connecting

    private func open() throws {
        let keywords = ["fallback_application_name", "dbname"]
        let values = [options.applicationName, conninfo]
        let raw = withCStrings(keywords) { keys in
            withCStrings(values) { vals in PQconnectdbParams(keys, vals, 1) }
        }
        guard let raw else { throw PostgresError(.connection, "could not allocate a connection", sqlState: "08001") }
        // The handle finishes the PGconn exactly once, also when connecting failed.
        let connection = ConnectionHandle(pointer: raw)
        guard PQstatus(raw) == CONNECTION_OK else {
            throw PostgresError.fromConnection(raw, context: "could not connect")
        }
        handle = consume connection
        try prepareSession(raw)
        refreshReadiness()
    }

    private func prepareSession(_ raw: OpaquePointer) throws {
        // Notices may quote values; libpq would print them to stderr. Drop them.
        PQsetNoticeProcessor(raw, { _, _ in }, nil)
        cancelGuard.install(PQgetCancel(raw))
        preparedStatements.removeAll()
        // Timestamps are parsed from ISO text; make sure the server writes them so.
        try runScript("SET DateStyle TO ISO, YMD; SET IntervalStyle TO iso_8601; SET extra_float_digits TO 3")
    }

    /// Reconnects in place after a late cancel; the old session's prepared statements are gone.
    private func resetSession() {
        guard let raw = handle?.pointer else { return }
        PQreset(raw)
        sessionGeneration += 1
        if PQstatus(raw) != CONNECTION_OK {
            isBroken = true
            return
        }
        do { try prepareSession(raw) } catch { isBroken = true }
    }

    // MARK: Running

    private func connectedPointer() throws -> OpaquePointer {
        guard !isBroken, let raw = handle?.pointer else {
            throw PostgresError(.connection, "the connection is closed", sqlState: "08003")
        }
        return raw
    }

    private func runStatement(_ query: PostgresQuery) throws -> PostgresRows {
        let raw = try connectedPointer()
        cancelGuard.begin()
        let parameters = LibpqParameters(query.binds)
        return try finishStatement(send(raw, query.sql, parameters), raw)
    }

    /// Closes a statement's cancel window and reads its result. A cancel that was sent but did not
    /// cancel this statement may still reach the server, so the session is reset before the next one.
    private func finishStatement(_ result: consuming ResultHandle?, _ raw: OpaquePointer) throws -> PostgresRows {
        let cancelWasSent = cancelGuard.end()
        defer { refreshReadiness() }
        do {
            let rows = try readResult(result, raw)
            if cancelWasSent { resetSession() }
            return rows
        } catch let error as PostgresError {
            if cancelWasSent && !error.isQueryCanceled { resetSession() }
            throw error
        }
    }

    private func send(_ raw: OpaquePointer, _ sql: String, _ parameters: borrowing LibpqParameters) -> ResultHandle? {
        let count = parameters.count
        let types = UnsafePointer(parameters.types.baseAddress)
        let values = UnsafePointer(parameters.values.baseAddress)
        let lengths = UnsafePointer(parameters.lengths.baseAddress)
        let formats = UnsafePointer(parameters.formats.baseAddress)
        guard options.usePreparedStatements else {
            return ResultHandle(PQexecParams(raw, sql, count, types, values, lengths, formats, 0))
        }
        if let name = preparedStatements[sql] {
            return ResultHandle(PQexecPrepared(raw, name, count, values, lengths, formats, 0))
        }
        guard preparedStatements.count < options.statementCacheCapacity else {
            return ResultHandle(PQexecParams(raw, sql, count, types, values, lengths, formats, 0))
        }
        preparedCount += 1
        let name = "lotsen_\(preparedCount)"
        guard let prepared = ResultHandle(PQprepare(raw, name, sql, count, types)) else { return nil }
        guard PQresultStatus(prepared.pointer) == PGRES_COMMAND_OK else { return prepared }
        preparedStatements[sql] = name
        return ResultHandle(PQexecPrepared(raw, name, count, values, lengths, formats, 0))
    }

    private func runScript(_ sql: String) throws {
        let raw = try connectedPointer()
        cancelGuard.begin()
        _ = try finishStatement(ResultHandle(PQexec(raw, sql)), raw)
    }

    private func readResult(_ result: consuming ResultHandle?, _ raw: OpaquePointer) throws -> PostgresRows {
        guard let result else {
            markBrokenIfDisconnected(raw)
            throw PostgresError.fromConnection(raw, context: "the statement could not be sent")
        }
        let pointer = result.pointer
        switch PQresultStatus(pointer) {
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            return Self.copyRows(pointer)
        case PGRES_COMMAND_OK:
            let status = String(cString: PQcmdStatus(pointer))
            return PostgresRows(columns: [], cells: [], affectedRows: Int(String(cString: PQcmdTuples(pointer))) ?? 0,
                                commandTag: status)
        case PGRES_EMPTY_QUERY:
            return .empty
        case PGRES_COPY_IN:
            return PostgresRows(columns: [], cells: [], affectedRows: 0, commandTag: "COPY IN")
        default:
            let error = PostgresError.fromResult(pointer)
            markBrokenIfDisconnected(raw)
            throw error
        }
    }

    private func markBrokenIfDisconnected(_ raw: OpaquePointer) {
        if PQstatus(raw) != CONNECTION_OK { isBroken = true }
    }

    /// Copies every value out of the result; the result is cleared by its owner right after.
    private static func copyRows(_ result: OpaquePointer) -> PostgresRows {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [PostgresRows.Column] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(.init(name: String(cString: PQfname(result, Int32(column))),
                                 type: PostgresDataType(rawValue: PQftype(result, Int32(column)))))
        }
        var cells: [String?] = []
        cells.reserveCapacity(columnCount * rowCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    cells.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = UnsafeRawPointer(PQgetvalue(result, row, column)!).assumingMemoryBound(to: UInt8.self)
                    cells.append(String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self))
                }
            }
        }
        return PostgresRows(columns: columns, cells: cells, affectedRows: rowCount, commandTag: "SELECT")
    }

    // MARK: COPY

    func beginCopy(_ statement: PostgresQuery) throws {
        let rows = try runStatementUnprepared(statement)
        guard rows.commandTag == "COPY IN" else {
            throw PostgresError(.misuse, "the statement given to copy is not a COPY … FROM STDIN")
        }
    }

    private func refreshReadiness() {
        guard !isBroken, let raw = handle?.pointer, PQstatus(raw) == CONNECTION_OK else {
            ready.store(false, ordering: .releasing)
            return
        }
        socket.store(PQsocket(raw), ordering: .relaxed)
        ready.store(PQtransactionStatus(raw) == PQTRANS_IDLE, ordering: .releasing)
    }

    /// Whether a connection nobody uses now can be lent, checked without a hop onto its thread:
    /// the last statement left it idle and healthy, and the server sent nothing since (an idle
    /// session is sent nothing unasked but a termination notice).
    nonisolated func isReadyWhileIdle() -> Bool {
        guard ready.load(ordering: .acquiring) else { return false }
        var descriptor = pollfd(fd: socket.load(ordering: .relaxed), events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, 0) != 0 {
            ready.store(false, ordering: .releasing)
            return false
        }
        return true
    }

    func putCopyData(_ bytes: [UInt8]) throws {
        let raw = try connectedPointer()
        let sent = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                PQputCopyData(raw, $0, Int32(buffer.count))
            }
        }
        guard sent == 1 else {
            markBrokenIfDisconnected(raw)
            throw PostgresError.fromConnection(raw, context: "COPY data could not be sent")
        }
    }

    func endCopy(failure: String?) throws -> Int {
        let raw = try connectedPointer()
        defer { refreshReadiness() }
        guard PQputCopyEnd(raw, failure) == 1 else {
            markBrokenIfDisconnected(raw)
            throw PostgresError.fromConnection(raw, context: "COPY could not be ended")
        }
        // Read every result up to the end, so the connection is ready for the next statement.
        var firstError: (any Error)?
        var affected = 0
        while let next = ResultHandle(PQgetResult(raw)) {
            do {
                affected = try readResult(next, raw).affectedRows
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return affected
    }

    private func runStatementUnprepared(_ query: PostgresQuery) throws -> PostgresRows {
        let raw = try connectedPointer()
        let parameters = LibpqParameters(query.binds)
        let result = ResultHandle(PQexecParams(raw, query.sql, parameters.count, parameters.types.baseAddress,
                                               parameters.values.baseAddress, parameters.lengths.baseAddress,
                                               parameters.formats.baseAddress, 0))
        return try readResult(result, raw)
    }
}

/// Owns a `PGconn`: finished exactly once, when the handle goes away.
private struct ConnectionHandle: ~Copyable {
    let pointer: OpaquePointer
    deinit { PQfinish(pointer) }
}

/// Owns a `PGresult`: cleared exactly once, after its values were copied out.
struct ResultHandle: ~Copyable {
    let pointer: OpaquePointer
    init?(_ pointer: OpaquePointer?) {
        guard let pointer else { return nil }
        self.pointer = pointer
    }
    deinit { PQclear(pointer) }
}

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers.map { UnsafePointer($0) })
}

/// The binds laid out as the four arrays libpq takes; freed when the value goes away.
struct LibpqParameters: ~Copyable {
    let count: Int32
    let types: UnsafeMutableBufferPointer<Oid>
    let values: UnsafeMutableBufferPointer<UnsafePointer<CChar>?>
    let lengths: UnsafeMutableBufferPointer<Int32>
    let formats: UnsafeMutableBufferPointer<Int32>

    init(_ binds: [PostgresBind]) {
        count = Int32(binds.count)
        types = .allocate(capacity: max(binds.count, 1))
        values = .allocate(capacity: max(binds.count, 1))
        lengths = .allocate(capacity: max(binds.count, 1))
        formats = .allocate(capacity: max(binds.count, 1))
        for (index, bind) in binds.enumerated() {
            types[index] = Oid(bind.type.rawValue)
            lengths[index] = Int32(bind.bytes?.count ?? 0)
            formats[index] = bind.isBinary ? 1 : 0
            guard let bytes = bind.bytes else {
                values[index] = nil
                continue
            }
            // Text values must end in NUL: libpq reads them with strlen.
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress {
                    buffer.initialize(from: base.assumingMemoryBound(to: CChar.self), count: bytes.count)
                }
            }
            (buffer + bytes.count).initialize(to: 0)
            values[index] = UnsafePointer(buffer)
        }
    }

    deinit {
        for index in 0..<Int(count) { values[index].map { UnsafeMutablePointer(mutating: $0).deallocate() } }
        types.deallocate()
        values.deallocate()
        lengths.deallocate()
        formats.deallocate()
    }
}
