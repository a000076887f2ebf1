import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Wakes every open inbox stream of a user when their inbox grew. One per daemon, fed by one
/// LISTEN connection (`InboxFanoutService`: the channel `lotsen_inbox`, payloads `<user> <sequence>`,
/// ids only) or, in poll-only mode, by polling the users' sequence numbers. A stream that wakes
/// reads its entries after the last one it sent from the table; a wake-up carries only the user's
/// newest sequence number, so a stream that has already sent it skips the read, and one missed or
/// doubled is harmless.
public final class InboxFanout: Sendable {
    private struct State {
        var streams: [UUID: [Int: AsyncStream<Int64>.Continuation]] = [:]
        var next = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let gauge = Gauge(label: "lotsen_inbox_streams_open")

    /// A fan-out with no streams.
    public init() {}

    /// Streams open now.
    public var openStreams: Int { state.withLock { $0.streams.values.reduce(0) { $0 + $1.count } } }

    /// The users with an open stream.
    var users: [UUID] { state.withLock { Array($0.streams.keys) } }

    /// Wake-ups for `userID` from now on, each with the newest sequence number known (`Int64.max`
    /// when unknown); the sequence ends when the stream's consumer goes or the daemon shuts down.
    public func subscribe(userID: UUID) -> AsyncStream<Int64> {
        let (stream, continuation) = AsyncStream<Int64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int? in
            if state.closed { return nil }
            state.next += 1
            state.streams[userID, default: [:]][state.next] = continuation
            return state.next
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in self?.remove(userID: userID, id: id) }
        gauge.record(openStreams)
        return stream
    }

    private func remove(userID: UUID, id: Int) {
        state.withLock { state in
            state.streams[userID]?[id] = nil
            if state.streams[userID]?.isEmpty == true { state.streams[userID] = nil }
        }
        gauge.record(openStreams)
    }

    /// Wakes `userID`'s streams: their entries now reach `sequence` (`Int64.max` when unknown).
    public func wake(userID: UUID, through sequence: Int64 = .max) {
        for continuation in state.withLock({ Array(($0.streams[userID] ?? [:]).values) }) { continuation.yield(sequence) }
    }

    /// Wakes every stream (notifications may have been missed).
    public func wakeAll() {
        for continuation in state.withLock({ $0.streams.values.flatMap(\.values) }) { continuation.yield(.max) }
    }

    /// Ends every stream, and any opened later: the daemon is shutting down.
    public func close() {
        let all = state.withLock { state -> [AsyncStream<Int64>.Continuation] in
            state.closed = true
            return state.streams.values.flatMap(\.values)
        }
        for continuation in all { continuation.finish() }
    }
}

/// Feeds an `InboxFanout`: from the daemon's listener (LISTEN `lotsen_inbox`; a reconnection
/// wakes every stream, since notifications were missed), or without one by polling the sequence
/// numbers of the users with open streams every `pollInterval`. Closes the fan-out on shutdown.
public struct InboxFanoutService: Service {
    let fanout: InboxFanout
    let listener: PostgresListener?
    let pool: PostgresPool
    let pollInterval: Duration

    /// A service feeding `fanout` from `listener`, or when nil by polling through `pool`.
    public init(fanout: InboxFanout, listener: PostgresListener?, pool: PostgresPool, pollInterval: Duration = .seconds(1)) {
        self.fanout = fanout
        self.listener = listener
        self.pool = pool
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        if let listener {
            // The listener is shared (the offer index follows it too, and stops it): only this
            // subscription ends here, by cancellation.
            await cancelWhenGracefulShutdown { [fanout] in
                await listener.follow(InboxDispatcher.channel, reconnected: { fanout.wakeAll() }) { payload in
                    let parts = payload.split(separator: " ")
                    if let user = parts.first.flatMap({ UUID(uuidString: String($0)) }) {
                        fanout.wake(userID: user, through: parts.dropFirst().first.flatMap { Int64($0) } ?? .max)
                    }
                }
            }
            fanout.close()
        } else {
            try? await cancelWhenGracefulShutdown { try await poll() }
            fanout.close()
        }
    }

    /// Wakes the users whose sequence number moved since the last look.
    func poll() async throws {
        var seen: [UUID: Int64] = [:]
        while !Task.isCancelled {
            try await Task.sleep(for: pollInterval)
            let users = fanout.users
            guard !users.isEmpty else { continue }
            let rows = try? await pool.withConnection { connection in
                try await connection.query("SELECT id, inbox_sequence FROM users WHERE id = ANY(\(users)::uuid[])")
                    .map { (try $0.decode(UUID.self, "id"), try $0.decode(Int64.self, "inbox_sequence")) }
            }
            for (user, sequence) in rows ?? [] where seen[user].map({ $0 != sequence }) ?? true {
                seen[user] = sequence
                fanout.wake(userID: user, through: sequence)
            }
        }
    }
}
