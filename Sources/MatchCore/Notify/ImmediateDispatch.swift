import Foundation
import Logging
import Synchronization

/// Dispatches a förbund's events in this process as soon as the transaction that wrote them has
/// committed, and wakes this daemon's streams directly: the `notify.dispatch` job stays the
/// guarantee (it is enqueued in the same transaction and finds nothing left when this was first),
/// and this saves its wake-up and claim, and the NOTIFY round trip, on the way to an open stream.
///
/// The daemon installs one as the task-local `ImmediateDispatch.current` around its services, so
/// every request and job it runs kicks it; a process without one (matchctl) leaves it all to the job.
/// Kicks for a förbund coalesce: while a dispatch runs, further kicks make one more run after it.
public final class ImmediateDispatch: Sendable {
    /// The dispatcher of the running daemon, if any.
    @TaskLocal public static var current: ImmediateDispatch?

    private struct Runs { var running: Set<UUID> = []; var again: Set<UUID> = [] }

    private let pool: PostgresPool
    private let dispatcher: Mutex<InboxDispatcher>
    private let fanout: InboxFanout
    private let logger: Logger
    private let runs = Mutex(Runs())

    /// A dispatcher writing through `pool`, routing by `routing` and waking `fanout`'s streams.
    public init(pool: PostgresPool, fanout: InboxFanout, routing: NotificationRouting?, logger: Logger) {
        self.pool = pool
        self.dispatcher = Mutex(InboxDispatcher(routing: routing))
        self.fanout = fanout
        self.logger = logger
    }

    /// Routes later dispatches by `routing` (the notification settings were reloaded).
    public func reroute(_ routing: NotificationRouting?) {
        dispatcher.withLock { $0 = InboxDispatcher(routing: routing) }
    }

    /// Starts a dispatch of `forbundID`'s events, or asks the running one to go again; returns at once.
    public func kick(forbundID: UUID) {
        let start = runs.withLock { runs -> Bool in
            if runs.running.contains(forbundID) {
                runs.again.insert(forbundID)
                return false
            }
            runs.running.insert(forbundID)
            return true
        }
        guard start else { return }
        Task { await self.drain(forbundID: forbundID) }
    }

    /// Dispatches until nothing is left and no kick came meanwhile.
    private func drain(forbundID: UUID) async {
        while true {
            do {
                try await dispatcher.withLock { $0 }.dispatchAll(forbundID: forbundID, through: pool) { [fanout] delivered in
                    for (user, sequence) in delivered.recipients { fanout.wake(userID: user, through: sequence) }
                }
            } catch {
                // The job enqueued with the events dispatches them; nothing is lost here.
                logger.debug("immediate dispatch failed; the notify.dispatch job will deliver",
                             metadata: ["error": "\(type(of: error))"])
            }
            let again = runs.withLock { runs -> Bool in
                if runs.again.remove(forbundID) != nil { return true }
                runs.running.remove(forbundID)
                return false
            }
            if !again { return }
        }
    }
}
