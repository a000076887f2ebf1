import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Each förbund's open offers, indexed in memory and kept in step with the tables through
/// `NOTIFY lotsen_offers` (migration 0007), so matching one participant reads no offer from the
/// database. An index is built from the tables on first use, and again when the listener
/// reconnects (notifications in between are lost), when a version is missing from the sequence,
/// and when the day changes (an agreement's validity depends on the date).
///
/// Freshness: a caller passes the version its own transaction sees; the index it gets reflects
/// at least that version, waiting briefly for notifications in flight before it rebuilds.
public actor LiveOfferIndex {
    /// The channel the triggers notify.
    public static let channel = "lotsen_offers"

    private struct Entry {
        var index: OfferIndex
        var version: Int64
        var builtOn: CalendarDate
    }

    /// A change as the triggers describe it.
    struct Change: Sendable, Equatable {
        enum Kind: String, Sendable { case offer = "o", employer = "e" }
        var forbundID: UUID
        var version: Int64
        var kind: Kind
        var id: UUID

        init?(payload: String) {
            let parts = payload.split(separator: " ")
            guard parts.count == 4, let forbund = UUID(uuidString: String(parts[0])), let version = Int64(parts[1]),
                  let kind = Kind(rawValue: String(parts[2])), let id = UUID(uuidString: String(parts[3])) else { return nil }
            self.forbundID = forbund
            self.version = version
            self.kind = kind
            self.id = id
        }
    }

    private let pool: PostgresPool
    private let logger: Logger
    private let connected: @Sendable () -> Bool
    private var entries: [UUID: Entry] = [:]
    private var building: [UUID: Task<Entry, any Error>] = [:]
    /// Whether notifications are arriving; without them an index cannot be trusted past its build.
    private var following = false
    /// How long a caller waits for notifications in flight before rebuilding.
    private let catchUp: Duration

    /// Builds from the tables (also `lotsen_offer_index_builds_total` in `/metrics`).
    public private(set) var builds = 0
    /// Changes applied from notifications (`lotsen_offer_index_changes_total`).
    public private(set) var applied = 0
    private let buildCounter = Counter(label: "lotsen_offer_index_builds_total")
    private let changeCounter = Counter(label: "lotsen_offer_index_changes_total")

    /// An index over the tables behind `pool`.
    /// `connected` says whether the listener's connection is up now.
    public init(pool: PostgresPool, catchUp: Duration = .milliseconds(500), logger: Logger,
                connected: @escaping @Sendable () -> Bool) {
        self.pool = pool
        self.connected = connected
        self.catchUp = catchUp
        self.logger = logger
    }

    /// The förbund's index, reflecting at least `version` (the caller's snapshot), for `today`.
    /// A build reads through the caller's `connection`, so a worker holding one never waits on
    /// the pool for a second.
    public func index(forbundID: UUID, atLeast version: Int64, today: CalendarDate,
                      on connection: PostgresConnection) async throws -> OfferIndex {
        guard following, connected() else {
            // Without notifications every caller reads the tables, as if there were no index, and
            // what was indexed cannot be trusted once they resume.
            entries = [:]
            return try await build(forbundID, today: today, on: connection).index
        }
        if let entry = entries[forbundID], entry.builtOn != today {
            entries[forbundID] = nil
        }
        let deadline = ContinuousClock.now + catchUp
        while let entry = entries[forbundID], entry.version < version, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        if let entry = entries[forbundID], entry.version >= version { return entry.index }
        let entry = try await sharedBuild(forbundID, today: today, on: connection)
        return entry.index
    }

    private func sharedBuild(_ forbundID: UUID, today: CalendarDate, on connection: PostgresConnection) async throws -> Entry {
        if let running = building[forbundID] { return try await running.value }
        let task = Task { try await self.build(forbundID, today: today, on: connection) }
        building[forbundID] = task
        defer { building[forbundID] = nil }
        let entry = try await task.value
        // A change applied while the build ran may be newer than the build.
        if let current = entries[forbundID], current.version > entry.version { return current }
        entries[forbundID] = entry
        return entry
    }

    private func build(_ forbundID: UUID, today: CalendarDate, on connection: PostgresConnection) async throws -> Entry {
        builds += 1
        buildCounter.increment()
        // The version first: the offers read after it reflect at least that version.
        let version = try await MatchingSnapshot().offerIndexVersion(forbundID: forbundID, on: connection)
        let offers = try await MatchingSnapshot().offers(forbundID: forbundID, today: today, on: connection)
        return Entry(index: OfferIndex(offers), version: version, builtOn: today)
    }

    /// Whether the index trusts notifications now.
    public var isFollowing: Bool { following }

    /// Notifications are arriving (the listener is connected and LISTENs on the channel).
    public func startFollowing() {
        following = true
    }

    /// The listener lost its connection: notifications were missed, so every index is rebuilt on next use.
    public func lostNotifications() {
        following = false
        entries = [:]
    }

    /// Applies one notification: reads the changed offer (or the employer's offers) and updates
    /// the förbund's index. Notifications must be applied one at a time, in the order received.
    public func apply(payload: String) async {
        guard let change = Change(payload: payload) else {
            logger.warning("ignored a malformed offer notification")
            return
        }
        guard let entry = entries[change.forbundID], change.version > entry.version else { return }
        guard change.version == entry.version + 1 else {
            logger.notice("offer notifications were missed; the index is rebuilt on next use",
                          metadata: ["forbund": "\(change.forbundID.uuidString.lowercased())"])
            entries[change.forbundID] = nil
            return
        }
        do {
            let offers = try await pool.withConnection { connection in
                switch change.kind {
                case .offer: try await MatchingSnapshot().offers(forbundID: change.forbundID, only: change.id, on: connection)
                case .employer: try await MatchingSnapshot().offers(forbundID: change.forbundID, employerID: change.id, on: connection)
                }
            }
            guard var current = entries[change.forbundID], current.version < change.version else { return }
            if change.kind == .offer && offers.isEmpty { current.index.remove(change.id) }
            for offer in offers {
                if offer.offer.status == .open { current.index.upsert(offer) } else { current.index.remove(offer.offer.id) }
            }
            current.version = change.version
            entries[change.forbundID] = current
            applied += 1
            changeCounter.increment()
        } catch {
            logger.warning("could not apply an offer change; the index is rebuilt on next use",
                           metadata: ["error": "\(error)"])
            entries[change.forbundID] = nil
        }
    }
}

/// Feeds a `LiveOfferIndex` from the daemon's listener: LISTENs on its channel, applies each
/// notification in order, and drops every index when the connection was lost and is back.
public struct OfferIndexFollower: Service {
    let index: LiveOfferIndex
    let listener: PostgresListener

    /// A follower of `listener` for `index`.
    public init(index: LiveOfferIndex, listener: PostgresListener) {
        self.index = index
        self.listener = listener
    }

    public func run() async throws {
        // The handler covers the LISTEN too: a shutdown while the server is unreachable stops the
        // listener, which ends the wait and the loop.
        await withGracefulShutdownHandler {
            await listener.follow(LiveOfferIndex.channel, listening: { await index.startFollowing() },
                                  reconnected: {
                                      await index.lostNotifications()
                                      await index.startFollowing()
                                  },
                                  notified: { await index.apply(payload: $0) })
        } onGracefulShutdown: {
            listener.stop()
        }
    }
}
