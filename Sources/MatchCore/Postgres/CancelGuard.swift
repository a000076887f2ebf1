import CPostgres
import Foundation

/// Sends a cancel request for the statement that is running on a connection, and only for it.
///
/// The state machine makes a late cancel harmless: a cancel arriving when no statement runs is
/// dropped, and a statement does not finish (`end`) while its cancel request is still being sent,
/// so the connection learns whether a signal may still reach the server after the statement ended.
final class CancelGuard: @unchecked Sendable {
    private enum State {
        case idle
        case running
        case sending
        case sent
    }

    private let condition = NSCondition()
    private var state = State.idle
    private var cancelHandle: OpaquePointer?

    /// Replaces the `PGcancel` object (after a connect or a reset); frees the old one.
    func install(_ handle: OpaquePointer?) {
        condition.lock()
        while state == .sending { condition.wait() }
        if let old = cancelHandle { PQfreeCancel(old) }
        cancelHandle = handle
        condition.unlock()
    }

    /// Marks a statement as running, so a cancel from now on targets it.
    func begin() {
        condition.lock()
        state = .running
        condition.unlock()
    }

    /// Asks the server to cancel the running statement; called from any thread.
    func requestCancel() {
        condition.lock()
        guard state == .running, let handle = cancelHandle else {
            condition.unlock()
            return
        }
        state = .sending
        condition.unlock()
        // PQcancel does network I/O; keep it off whatever thread cancelled the task.
        let box = UnsafeSendablePointer(pointer: handle)
        Thread.detachNewThread { [self] in
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(box.pointer, &message, Int32(message.count))
            condition.lock()
            state = .sent
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Ends the statement; returns whether a cancel request was sent while it ran.
    func end() -> Bool {
        condition.lock()
        while state == .sending { condition.wait() }
        let wasSent = state == .sent
        state = .idle
        condition.unlock()
        return wasSent
    }

    deinit {
        if let handle = cancelHandle { PQfreeCancel(handle) }
    }
}

/// Carries a C pointer into a closure that runs on another thread; the owner keeps it alive.
struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: OpaquePointer
}
