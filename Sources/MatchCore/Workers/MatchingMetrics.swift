import Metrics
import Synchronization

/// `lotsen_matching_duration_seconds{kind}`: how long matching one participant, one offer, or the
/// market-wide assignment takes. Each kind's timer is made once, not once per job.
enum MatchingMetrics {
    /// What was matched.
    enum Kind: String, CaseIterable {
        case participant, offer, assignment
    }

    private static let timers = Mutex<[Kind: Metrics.Timer]>([:])

    /// The timer of `kind`, made on first use (after the metrics system is bootstrapped).
    static func timer(_ kind: Kind) -> Metrics.Timer {
        timers.withLock { timers in
            if let existing = timers[kind] { return existing }
            let made = Metrics.Timer(label: "lotsen_matching_duration_seconds", dimensions: [("kind", kind.rawValue)])
            timers[kind] = made
            return made
        }
    }

    /// Records the time since `started` for `kind`.
    static func record(_ kind: Kind, since started: ContinuousClock.Instant) {
        timer(kind).recordNanoseconds(Int64((ContinuousClock.now - started).inSeconds * 1e9))
    }
}
