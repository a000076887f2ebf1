import Foundation
import Hummingbird
import MatchCore

/// `/v1/webhooks`: a förbund's Standard Webhooks endpoints, for its coordinators (the förbund's
/// IT uses a coordinator token, or matchctl). The secret is in the answer to create and rotate only.
enum WebhookRoutes {
    static func add(to api: inout APIRouteBuilder, pool: PostgresPool, target: WebhookTarget) {
        let store = WebhookStore()

        api.v1(.post, "/webhooks") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let body = try await JSONBody<WebhookInput>(request, context: context)
            let (url, types, description) = try body.value.validated(target: target)
            let actor = try context.requirePrincipal().auditName
            let webhook = try await pool.withRetriedTransaction { tx in
                try await store.create(forbundID: scope.forbundID, url: url, eventTypes: types, description: description,
                                       createdBy: actor, in: tx)
            }
            return try APIJSON.response(webhook, status: .created, headers: [.location: "/v1/webhooks/\(webhook.id.lowercased)"])
        }

        api.v1(.get, "/webhooks") { _, context in
            let scope = try Authorization.employerWriteScope(context)
            let hooks = try await pool.withConnection { try await store.list(forbundID: scope.forbundID, on: $0) }
            return try APIJSON.response(PageBody(Page(items: hooks, nextCursor: nil)))
        }

        api.v1(.get, "/webhooks/{webhook_id}") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let id = try request.id("webhook_id", context)
            guard let hook = try await pool.withConnection({ try await store.get(forbundID: scope.forbundID, id: id, on: $0) }) else {
                throw ReadResponse.notFound()
            }
            return try APIJSON.response(hook)
        }

        api.v1(.delete, "/webhooks/{webhook_id}") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let id = try request.id("webhook_id", context)
            guard try await pool.withRetriedTransaction({ try await store.delete(forbundID: scope.forbundID, id: id, in: $0) }) else {
                throw ReadResponse.notFound()
            }
            return Response(status: .noContent)
        }

        api.v1(.post, "/webhooks/{webhook_id}/rotate") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let id = try request.id("webhook_id", context)
            guard let hook = try await pool.withRetriedTransaction({ try await store.rotate(forbundID: scope.forbundID, id: id, in: $0) }) else {
                throw ReadResponse.notFound()
            }
            return try APIJSON.response(hook)
        }

        api.v1(.get, "/webhooks/{webhook_id}/deliveries") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let id = try request.id("webhook_id", context)
            let failed = request.uri.queryParameters["failed"].map { $0 == "true" } ?? false
            let deliveries = try await pool.withConnection { connection in
                guard try await store.get(forbundID: scope.forbundID, id: id, on: connection) != nil else { throw ReadResponse.notFound() }
                return try await store.deliveries(forbundID: scope.forbundID, webhookID: id, failedOnly: failed, on: connection)
            }
            return try APIJSON.response(PageBody(Page(items: deliveries, nextCursor: nil)))
        }

        api.v1(.post, "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let id = try request.id("webhook_id", context)
            let delivery = try context.parameters.require("delivery_id")
            guard let redelivered = try await pool.withRetriedTransaction({ tx -> WebhookDelivery? in
                guard let found = try await store.redeliver(forbundID: scope.forbundID, id: delivery, in: tx) else { return nil }
                guard found.webhookID == id else { throw ReadResponse.notFound() }
                return found
            }) else { throw ReadResponse.notFound() }
            return try APIJSON.response(redelivered, status: .accepted)
        }
    }
}
