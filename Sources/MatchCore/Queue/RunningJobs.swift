import Synchronization

/// The jobs this daemon runs now, by queue, with their tasks so they can be cancelled.
final class RunningJobs: Sendable {
    enum Stop: Sendable {
        /// An operator cancelled the job: it ends as cancelled.
        case cancelledByOperator
        /// The daemon is shutting down: the job goes back to the queue.
        case handedBack
    }

    private struct Entry {
        var queue: String
        var task: Task<Void, Never>?
        var stop: Stop?
    }

    private let entries = Mutex<[Int64: Entry]>([:])

    func add(_ id: Int64, queue: String) {
        entries.withLock { $0[id] = Entry(queue: queue) }
    }

    func attach(_ task: Task<Void, Never>, to id: Int64) {
        let cancelNow = entries.withLock { entries -> Bool in
            entries[id]?.task = task
            return entries[id]?.stop != nil
        }
        if cancelNow { task.cancel() }
    }

    /// Removes a finished job; returns why it was stopped, if it was.
    func remove(_ id: Int64) -> Stop? {
        entries.withLock { $0.removeValue(forKey: id)?.stop }
    }

    func count(in queue: String) -> Int {
        entries.withLock { $0.values.count { $0.queue == queue } }
    }

    var ids: [Int64] { entries.withLock { Array($0.keys) } }
    var isEmpty: Bool { entries.withLock { $0.isEmpty } }

    /// Cancels a job's task; returns false when this daemon does not run it.
    @discardableResult
    func stop(_ id: Int64, because reason: Stop) -> Bool {
        let task = entries.withLock { entries -> Task<Void, Never>?? in
            guard entries[id] != nil else { return nil }
            if entries[id]?.stop == nil { entries[id]?.stop = reason }
            return .some(entries[id]?.task)
        }
        guard let task else { return false }
        task?.cancel()
        return true
    }

    func stopAll(because reason: Stop) {
        for id in ids { stop(id, because: reason) }
    }
}
