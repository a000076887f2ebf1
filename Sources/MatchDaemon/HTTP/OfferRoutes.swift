import Foundation
import Hummingbird
import MatchCore

/// `/v1/employers/{employer_id}/offers` and `/v1/offers`: placement offers, their status and history.
enum OfferRoutes {
    static func add(to api: inout APIRouteBuilder, pool: PostgresPool) {
        let store = OfferStore()

        api.v1(.get, "/offers") { request, context in
            let scope = try Authorization.readScope(request, context)
            let page = try request.pageRequest
            let status = try statusFilter(request)
            let offers = try await pool.withConnection { try await store.list(scope, status: status, page: page, on: $0) }
            return try APIJSON.response(PageBody(offers))
        }

        api.v1(.get, "/employers/{employer_id}/offers") { request, context in
            let scope = try Authorization.readScope(request, context)
            let employerID = try request.id("employer_id", context)
            let page = try request.pageRequest
            let status = try statusFilter(request)
            let offers = try await pool.withConnection { connection in
                guard try await EmployerStore().get(scope, id: employerID, on: connection) != nil else { throw StoreError.notFound }
                return try await store.list(scope, employerID: employerID, status: status, page: page, on: connection)
            }
            return try APIJSON.response(PageBody(offers))
        }

        api.v1(.post, "/employers/{employer_id}/offers") { request, context in
            let scope = try Authorization.offerWriteScope(context)
            let employerID = try request.id("employer_id", context)
            let body = try await JSONBody<OfferInput>(request, context: context)
            let fields = try body.value.validated(creating: true)
            let status = body.value.initialStatus
            let change = try change(context)
            return try await WriteTransaction.run(request, context, pool: pool, scope: scope, bodyBytes: body.bytes) { tx in
                let offer = try await store.create(scope, employerID: employerID, fields: fields, status: status,
                                                   by: change, in: tx)
                return try WriteResult(offer, status: .created, location: "/v1/offers/\(offer.id.lowercased)", version: offer.version)
            }
        }

        api.v1(.get, "/offers/{offer_id}") { request, context in
            let scope = try Authorization.readScope(request, context)
            let id = try request.id("offer_id", context)
            guard let offer = try await pool.withConnection({ try await store.get(scope, id: id, on: $0) }) else {
                throw ReadResponse.notFound()
            }
            return try ReadResponse.record(offer, version: offer.version, request: request)
        }

        api.v1(.put, "/offers/{offer_id}") { request, context in
            let scope = try Authorization.offerWriteScope(context)
            let id = try request.id("offer_id", context)
            let version = try request.ifMatchVersion
            let fields = try await JSONBody<OfferInput>(request, context: context).value.validated(creating: false)
            let change = try change(context)
            let offer = try await pool.withRetriedTransaction {
                try await store.replace(scope, id: id, fields: fields, ifVersion: version, by: change, in: $0)
            }
            return try APIJSON.response(offer, headers: [.eTag: ETag.header(offer.version)])
        }

        api.v1(.post, "/offers/{offer_id}/status") { request, context in
            let scope = try Authorization.offerWriteScope(context)
            let id = try request.id("offer_id", context)
            let version = try request.ifMatchVersion
            let (status, note) = try await JSONBody<OfferStatusChange>(request, context: context).value.validated()
            let change = try change(context)
            let offer = try await pool.withRetriedTransaction {
                try await store.changeStatus(scope, id: id, to: status, note: note, ifVersion: version, by: change, in: $0)
            }
            return try APIJSON.response(offer, headers: [.eTag: ETag.header(offer.version)])
        }

        api.v1(.get, "/offers/{offer_id}/history") { request, context in
            let scope = try Authorization.readScope(request, context)
            let id = try request.id("offer_id", context)
            guard let history = try await pool.withConnection({ try await store.history(scope, id: id, on: $0) }) else {
                throw ReadResponse.notFound()
            }
            return try APIJSON.response(HistoryBody(items: history))
        }
    }

    struct HistoryBody: Encodable {
        var items: [OfferStore.StatusChange]
    }

    static func change(_ context: LotsenRequestContext) throws -> OfferStore.Change {
        let principal = try context.requirePrincipal()
        return OfferStore.Change(actor: principal.auditName, requestID: context.id, byEmployer: principal.role == .employer)
    }

    static func statusFilter(_ request: Request) throws -> OfferStatus? {
        guard let text = request.uri.queryParameters["status"].map(String.init) else { return nil }
        guard let status = OfferStatus(rawValue: text) else {
            var errors = FieldErrors()
            errors.add("?status", rule: "enum", "must be one of: \(OfferStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            throw APIProblem.badRequest(errors)
        }
        return status
    }
}
