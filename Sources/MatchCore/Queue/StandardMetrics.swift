import Metrics

/// The series whose label values are known in advance, made at start so that `/metrics` shows
/// them at zero before the first event: a dashboard and an alert see "none yet", not "no data".
public enum StandardMetrics {
    /// Makes each series once; the metrics system must be bootstrapped first.
    public static func declare() {
        for (channel, result) in [("email", "sent"), ("email", "failed"), ("webhook", "delivered"), ("webhook", "failed")] {
            _ = Counter(label: "lotsen_notifications_sent_total", dimensions: [("channel", channel), ("result", result)])
        }
        for kind in MatchingMetrics.Kind.allCases { _ = MatchingMetrics.timer(kind) }
    }
}
