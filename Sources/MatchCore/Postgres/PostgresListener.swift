import CPostgres
import Foundation
import Logging
import Synchronization

/// A notification received on a channel.
public struct PostgresNotification: Sendable, Hashable {
    /// The channel it was sent on.
    public var channel: String
    /// Its payload (empty when none was given).
    public var payload: String
    /// The server process that sent it.
    public var senderPID: Int32
}

/// LISTEN on a connection of its own, delivering notifications as an `AsyncSequence`.
///
/// Each call to `events()` gets every event from then on, buffered without bound, so nothing the
/// listener has read is dropped. When the connection is lost the listener reconnects with backoff,
/// LISTENs again on every channel and sends `.reconnected`: notifications sent while it was away
/// are lost, so consumers resynchronise from the tables.
public final class PostgresListener: Sendable {
    /// What a consumer receives.
    public enum Event: Sendable, Hashable {
        /// A notification on one of the channels.
        case notification(PostgresNotification)
        /// The connection was lost and is back; notifications in between were missed.
        case reconnected
    }

    private struct State {
        var channels: Set<String> = []
        var pending: [Command] = []
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
        var nextSubscriber = 0
        var stopped = false
        var started = false
        var connected = false
    }

    private struct Command {
        var channel: String
        var listen: Bool
        var done: CheckedContinuation<Void, Never>?
    }

    private let conninfo: String
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let pollInterval: Int32 = 1000
    private let pingInterval: TimeInterval = 15

    /// A listener for `conninfo`; it connects when started.
    public init(conninfo: String, logger: Logger = Logger(label: "lotsen.listener")) {
        self.conninfo = conninfo
        self.logger = logger
        var fds: [Int32] = [0, 0]
        // A pipe wakes the listening thread from poll() when there is a command or a stop.
        if pipe(&fds) != 0 { fatalError("pipe() failed: \(errno)") }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Starts the listening thread (once).
    public func start() {
        let shouldStart = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "postgres-listener"
        thread.start()
    }

    /// Stops listening and finishes every event sequence.
    public func stop() {
        state.withLock { $0.stopped = true }
        wake()
    }

    /// Whether the listener's connection is up now.
    public var isConnected: Bool { state.withLock { $0.connected } }

    /// A sequence of every event from now on.
    public func events() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .unbounded)
        let id = state.withLock { state -> Int? in
            if state.stopped { return nil }
            state.nextSubscriber += 1
            state.subscribers[state.nextSubscriber] = continuation
            return state.nextSubscriber
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Follows `channel` until the listener stops or the task is cancelled: subscribes before it
    /// LISTENs, so nothing sent after the LISTEN is missed; calls `listening` once the server has
    /// confirmed it, `reconnected` after every reconnect (what was sent in between is lost), and
    /// `notified` with each payload on the channel.
    public func follow(_ channel: String, listening: () async -> Void = {}, reconnected: () async -> Void,
                       notified: (String) async -> Void) async {
        let events = events()
        start()
        await listen(channel)
        await listening()
        for await event in events {
            switch event {
            case .reconnected:
                await reconnected()
            case .notification(let note) where note.channel == channel:
                await notified(note.payload)
            case .notification:
                break
            }
        }
    }

    /// LISTENs on `channel`; returns once the server confirmed it (or at once, when stopped).
    public func listen(_ channel: String) async {
        await command(channel, listen: true)
    }

    /// Stops listening on `channel`.
    public func unlisten(_ channel: String) async {
        await command(channel, listen: false)
    }

    private func command(_ channel: String, listen: Bool) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let accepted = state.withLock { state -> Bool in
                if listen { state.channels.insert(channel) } else { state.channels.remove(channel) }
                if state.stopped { return false }
                state.pending.append(Command(channel: channel, listen: listen, done: done))
                return true
            }
            if accepted { wake() } else { done.resume() }
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func broadcast(_ event: Event) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    // MARK: The listening thread

    private func runLoop() {
        var connection: OpaquePointer?
        var everConnected = false
        var backoff: TimeInterval = 0.05
        var lastTraffic = Date()
        while !state.withLock({ $0.stopped }) {
            guard let raw = connection else {
                connection = connectAndListen()
                guard connection != nil else {
                    waitForWake(timeout: backoff)
                    backoff = min(backoff * 2, 2)
                    continue
                }
                backoff = 0.05
                lastTraffic = Date()
                state.withLock { $0.connected = true }
                if everConnected {
                    logger.info("listener reconnected")
                    broadcast(.reconnected)
                }
                everConnected = true
                continue
            }
            if !runPendingCommands(raw) || !receive(raw, lastTraffic: &lastTraffic) {
                drainNotifications(raw)
                PQfinish(raw)
                connection = nil
                state.withLock { $0.connected = false }
                logger.warning("listener lost its connection; reconnecting")
            }
        }
        if let connection { PQfinish(connection) }
        let (subscribers, pending) = state.withLock { state in
            defer {
                state.subscribers.removeAll()
                state.pending.removeAll()
                state.connected = false
            }
            return (Array(state.subscribers.values), state.pending)
        }
        for command in pending { command.done?.resume() }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// Connects and LISTENs on every channel; nil when either failed.
    private func connectAndListen() -> OpaquePointer? {
        guard let raw = PQconnectdb(conninfo) else { return nil }
        guard PQstatus(raw) == CONNECTION_OK else {
            PQfinish(raw)
            return nil
        }
        PQsetNoticeProcessor(raw, { _, _ in }, nil)
        // Commands queued so far are covered by LISTENing on the whole set.
        let (channels, pending) = state.withLock { state in
            defer { state.pending.removeAll() }
            return (state.channels, state.pending)
        }
        var ok = true
        for channel in channels where !execute(raw, "LISTEN \(PostgresIdentifier.quote(channel))") {
            ok = false
            break
        }
        if !ok {
            state.withLock { $0.pending.insert(contentsOf: pending, at: 0) }
            PQfinish(raw)
            return nil
        }
        for command in pending { command.done?.resume() }
        return raw
    }

    private func runPendingCommands(_ raw: OpaquePointer) -> Bool {
        while let command = state.withLock({ $0.pending.isEmpty ? nil : $0.pending.removeFirst() }) {
            let verb = command.listen ? "LISTEN" : "UNLISTEN"
            guard execute(raw, "\(verb) \(PostgresIdentifier.quote(command.channel))") else {
                state.withLock { $0.pending.insert(command, at: 0) }
                return false
            }
            command.done?.resume()
        }
        return true
    }

    /// Waits for data or a wake-up and delivers what arrived; false when the connection is gone.
    private func receive(_ raw: OpaquePointer, lastTraffic: inout Date) -> Bool {
        var descriptors = [
            pollfd(fd: PQsocket(raw), events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&descriptors, 2, pollInterval)
        if ready > 0, descriptors[1].revents != 0 { drainWakePipe() }
        if ready > 0, descriptors[0].revents != 0 {
            let consumed = PQconsumeInput(raw)
            drainNotifications(raw)
            lastTraffic = Date()
            return consumed == 1 && PQstatus(raw) == CONNECTION_OK
        }
        // A quiet connection may be a dead one (a TCP peer that vanished): ask it.
        if Date().timeIntervalSince(lastTraffic) > pingInterval {
            lastTraffic = Date()
            return execute(raw, "SELECT 1")
        }
        return true
    }

    private func execute(_ raw: OpaquePointer, _ sql: String) -> Bool {
        guard let result = ResultHandle(PQexec(raw, sql)) else { return false }
        let status = PQresultStatus(result.pointer)
        drainNotifications(raw)
        return (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) && PQstatus(raw) == CONNECTION_OK
    }

    private func drainNotifications(_ raw: OpaquePointer) {
        while let notice = PQnotifies(raw) {
            let notification = PostgresNotification(
                channel: String(cString: notice.pointee.relname),
                payload: notice.pointee.extra.map { String(cString: $0) } ?? "",
                senderPID: notice.pointee.be_pid)
            PQfreemem(notice)
            broadcast(.notification(notification))
        }
    }

    private func waitForWake(timeout: TimeInterval) {
        var descriptor = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, Int32(timeout * 1000)) > 0 { drainWakePipe() }
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }
}
