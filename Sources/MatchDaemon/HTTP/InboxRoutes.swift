import Foundation
import HTTPTypes
import Hummingbird
import MatchCore
import NIOCore
import ServiceLifecycle

/// `/v1/inbox` and `/v1/me/notifications`: a user's inbox (`InboxStore`), its live stream, and
/// their notification preferences. Only tokens of a coordinator or employer user have an inbox;
/// any other token is refused with 403 `user_required`. Each user sees their own entries only.
enum InboxRoutes {
    static func add(to api: inout APIRouteBuilder, pool: PostgresPool, fanout: InboxFanout, publicURL: String?) {
        let store = InboxStore(publicURL: publicURL)

        api.v1(.get, "/inbox") { request, context in
            let (reader, audit) = try await access(context, store: store, pool: pool)
            let page = try request.pageRequest
            var errors = FieldErrors()
            let unread = request.queryBool("unread", &errors) ?? false
            if !errors.entries.isEmpty { throw APIProblem.badRequest(errors) }
            let entries = try await pool.withRetriedTransaction { tx in
                try await store.list(reader, unreadOnly: unread, page: page, by: audit, in: tx)
            }
            return try APIJSON.response(PageBody(entries))
        }

        api.v1(.get, "/inbox/unread-count") { _, context in
            let (reader, _) = try await access(context, store: store, pool: pool)
            let count = try await pool.withConnection { try await store.unreadCount(reader, on: $0) }
            return try APIJSON.response(UnreadCount(unread: count))
        }

        api.v1(.post, "/inbox/{entry_id}/read") { request, context in
            let (reader, _) = try await access(context, store: store, pool: pool)
            let id = try request.id("entry_id", context)
            guard try await pool.withConnection({ try await store.markRead(reader, id: id, on: $0) }) else { throw ReadResponse.notFound() }
            return Response(status: .noContent)
        }

        api.v1(.post, "/inbox/read-all") { _, context in
            let (reader, _) = try await access(context, store: store, pool: pool)
            let marked = try await pool.withConnection { try await store.markAllRead(reader, on: $0) }
            return try APIJSON.response(Marked(marked: marked))
        }

        api.v1(.get, "/me/notifications") { request, context in
            let (reader, _) = try await access(context, store: store, pool: pool)
            guard let preferences = try await pool.withConnection({
                try await NotificationPreferencesStore().get(forbundID: reader.forbundID, userID: reader.userID, on: $0)
            }) else { throw ReadResponse.notFound() }
            return try ReadResponse.record(preferences, version: preferences.version, request: request)
        }

        api.v1(.put, "/me/notifications") { request, context in
            let (reader, _) = try await access(context, store: store, pool: pool)
            let version = try request.ifMatchVersion
            let (locale, settings) = try await JSONBody<NotificationPreferencesInput>(request, context: context).value.validated()
            let preferences = try await pool.withRetriedTransaction { tx in
                try await NotificationPreferencesStore().replace(forbundID: reader.forbundID, userID: reader.userID, locale: locale,
                                                                 settings: settings, ifVersion: version, in: tx)
            }
            return try APIJSON.response(preferences, headers: [.eTag: ETag.header(preferences.version)])
        }

        api.v1(.get, "/inbox/stream") { request, context in
            let (reader, audit) = try await access(context, store: store, pool: pool)
            let lastEventID = try request.headers[lastEventIDHeader].map { text in
                guard let id = Int64(text.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                    var errors = FieldErrors()
                    errors.add("Last-Event-ID", rule: "format", "must be the id of an event this stream sent")
                    throw APIProblem.badRequest(errors)
                }
                return id
            }
            // Subscribed before the starting point is read, so nothing committed in between is missed.
            let wakeups = fanout.subscribe(userID: reader.userID)
            let start: Int64
            if let lastEventID { start = lastEventID } else {
                start = try await pool.withConnection { try await store.lastSequence(reader, on: $0) }
            }
            let stream = InboxStream(store: store, pool: pool, reader: reader, audit: audit, wakeups: wakeups)
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store",
                                                   accelBuffering: "no"],
                            body: .init { writer in
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    try await stream.run(after: start, writer: &writer)
                }
                try await writer.finish(nil)
            })
        }
    }

    static let lastEventIDHeader = HTTPField.Name("Last-Event-ID")!
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!

    struct UnreadCount: Encodable { var unread: Int }
    struct Marked: Encodable { var marked: Int }

    /// The caller as a reader of their own inbox: a coordinator or employer token with a user.
    static func access(_ context: LotsenRequestContext, store: InboxStore,
                       pool: PostgresPool) async throws -> (InboxStore.Reader, AuditContext) {
        let principal = try context.requirePrincipal()
        guard principal.role == .coordinator || principal.role == .employer, let forbundID = principal.forbundID,
              let userID = principal.userID else {
            var errors = FieldErrors()
            errors.add("", rule: "user_required", "only a coordinator's or employer's user has an inbox; this token has no user")
            throw APIProblem(status: .forbidden, title: "Forbidden", detail: errors.description, errors: errors.entries)
        }
        guard let reader = try await pool.withConnection({ try await store.reader(forbundID: forbundID, userID: userID, on: $0) }) else {
            throw APIProblem.forbidden
        }
        return (reader, AuditContext(actor: principal.auditName, requestID: context.id))
    }
}

/// One open Server-Sent Events stream of a user's inbox: `retry:` first, then every entry after
/// the starting sequence number (a reconnect's `Last-Event-ID`), then each new entry as the
/// fan-out wakes it, with a comment line every `heartbeat` so proxies keep the connection. Each
/// SSE `id` is the entry's sequence number. It ends when the client goes (the handler is
/// cancelled on inbound close) or the daemon shuts down (the HTTP server's graceful shutdown, and
/// the fan-out ending the wake-ups).
struct InboxStream: Sendable {
    let store: InboxStore
    let pool: PostgresPool
    let reader: InboxStore.Reader
    let audit: AuditContext
    let wakeups: AsyncStream<Int64>
    var heartbeat: Duration = .seconds(15)

    enum Signal { case wake(through: Int64), heartbeat }

    func run(after start: Int64, writer: inout any ResponseBodyWriter) async throws {
        try await writer.write(ByteBuffer(string: "retry: 5000\n\n"))
        var last = try await send(after: start, writer: &writer)
        let (signals, signal) = AsyncStream<Signal>.makeStream(bufferingPolicy: .bufferingNewest(4))
        // The HTTP server's graceful shutdown ends the stream, so the server does not wait for it.
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [wakeups] in
                for await sequence in wakeups { signal.yield(.wake(through: sequence)) }
                signal.finish()
            }
            group.addTask { [heartbeat] in
                while true {
                    try await Task.sleep(for: heartbeat)
                    signal.yield(.heartbeat)
                }
            }
            for await next in signals {
                switch next {
                case .wake(let through) where through > last: last = try await send(after: last, writer: &writer)
                case .wake: break
                case .heartbeat: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
            group.cancelAll()
            }
        } onGracefulShutdown: {
            signal.finish()
        }
    }

    /// Sends every entry after `sequence`, a page at a time until a page is not full; returns the
    /// last one sent.
    func send(after sequence: Int64, writer: inout any ResponseBodyWriter) async throws -> Int64 {
        var last = sequence
        while true {
            let after = last
            let entries = try await pool.withRetriedTransaction { tx in
                try await store.entries(reader, after: after, by: audit, in: tx)
            }
            var text = ""
            for entry in entries {
                let json = String(decoding: try APIJSON.encoder.encode(entry), as: UTF8.self)
                text += "id: \(entry.sequence)\nevent: \(entry.type)\ndata: \(json)\n\n"
                last = entry.sequence
            }
            if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
            if entries.count < InboxStore.streamPage { return last }
        }
    }
}
