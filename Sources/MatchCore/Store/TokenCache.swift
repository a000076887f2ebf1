import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The tokens this daemon verified, by their SHA-256, so a request costs no database read to
/// authenticate.
///
/// Invariant: no entry outlives the change that made its token invalid by more than one second.
/// - While `following` (the daemon LISTENs on `lotsen_auth`, migration 0015), every change to
///   `api_tokens` or `users` that can invalidate a token empties the cache when its notification
///   arrives, from whichever process made it; a reconnect empties it too (notifications in
///   between are lost).
/// - Otherwise (poll-only, or the listener is down) an entry lives at most `unfollowedLifetime`.
/// - A token's own expiry is checked on every hit.
/// - A verification that began before an invalidation is not stored after it: the generation
///   read before the database is compared when storing.
public final class TokenCache: Sendable {
    struct Entry {
        var principal: Principal
        var expiresAt: Date?
        var cachedAt: ContinuousClock.Instant
        var usedRecordedAt: ContinuousClock.Instant
    }

    struct State {
        var entries: [Data: Entry] = [:]
        var generation: UInt64 = 0
        var following = false
    }

    private let state = Mutex(State())
    /// At most this many tokens are kept; a full cache starts again empty.
    let capacity: Int
    /// How long an entry may be used while no invalidation can arrive.
    let unfollowedLifetime: Duration
    /// How often a token's `last_used_at` is written.
    let useInterval: Duration
    /// Whether the listener is connected now: while it is down nothing is notified.
    let connected: @Sendable () -> Bool

    /// A cache of `capacity` tokens; `connected` tells whether the listener that follows it is up.
    public init(capacity: Int = 10_000, unfollowedLifetime: Duration = .seconds(1), useInterval: Duration = .seconds(60),
                connected: @escaping @Sendable () -> Bool = { true }) {
        self.connected = connected
        self.capacity = capacity
        self.unfollowedLifetime = unfollowedLifetime
        self.useInterval = useInterval
    }

    /// The principal of `token`, from memory or verified through `pool`; nil when it is not valid.
    public func principal(for token: String, pool: PostgresPool) async throws -> Principal? {
        let hash = TokenStore.hash(token)
        let now = ContinuousClock.now
        let hit = state.withLock { state -> (Entry, recordUse: Bool)? in
            guard var entry = state.entries[hash] else { return nil }
            let fresh = (state.following && connected()) || now - entry.cachedAt < unfollowedLifetime
            guard fresh, entry.expiresAt.map({ $0 > Date() }) ?? true else {
                state.entries[hash] = nil
                return nil
            }
            let recordUse = now - entry.usedRecordedAt >= useInterval
            if recordUse {
                entry.usedRecordedAt = now
                state.entries[hash] = entry
            }
            return (entry, recordUse)
        }
        if let (entry, recordUse) = hit {
            if recordUse, let id = entry.principal.tokenID {
                try await pool.withConnection { try await TokenStore().recordUse(id, on: $0) }
            }
            return entry.principal
        }
        let generation = state.withLock { $0.generation }
        guard let verified = try await pool.withConnection({ try await TokenStore().verify(hash: hash, on: $0) }) else { return nil }
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[hash] = Entry(principal: verified.principal, expiresAt: verified.expiresAt, cachedAt: now, usedRecordedAt: now)
        }
        return verified.principal
    }

    /// Forgets every token (a change notified, or notifications may have been lost).
    public func invalidateAll() {
        state.withLock { state in
            state.entries.removeAll(keepingCapacity: true)
            state.generation &+= 1
        }
    }

    /// Whether invalidations arrive: entries then live until one does.
    public var isFollowing: Bool {
        get { state.withLock { $0.following } }
        set {
            state.withLock { state in
                state.following = newValue
                state.entries.removeAll(keepingCapacity: true)
                state.generation &+= 1
            }
        }
    }

    /// How many tokens are kept now.
    public var count: Int { state.withLock { $0.entries.count } }

    /// The channel the triggers notify.
    public static let channel = "lotsen_auth"
}

/// Follows `lotsen_auth` on the daemon's listener for a `TokenCache`.
public struct TokenCacheFollower: Service {
    let cache: TokenCache
    let listener: PostgresListener

    /// A follower of `listener` for `cache`.
    public init(cache: TokenCache, listener: PostgresListener) {
        self.cache = cache
        self.listener = listener
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { [cache, listener] in
            // Whatever was notified while the connection was down is lost: a reconnect starts again empty.
            await listener.follow(TokenCache.channel, listening: { cache.isFollowing = true },
                                  reconnected: { cache.isFollowing = true }, notified: { _ in cache.invalidateAll() })
        }
        cache.isFollowing = false
    }
}
