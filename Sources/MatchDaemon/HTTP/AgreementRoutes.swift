import Foundation
import Hummingbird
import MatchCore

/// `/v1/employers/{employer_id}/agreements`: what the förbund has agreed with an employer (VTA).
enum AgreementRoutes {
    static func add(to api: inout APIRouteBuilder, pool: PostgresPool) {
        let store = AgreementStore()

        api.v1(.get, "/employers/{employer_id}/agreements") { request, context in
            let scope = try Authorization.readScope(request, context)
            let employerID = try request.id("employer_id", context)
            let page = try request.pageRequest
            let agreements = try await pool.withConnection { connection in
                guard try await EmployerStore().get(scope, id: employerID, on: connection) != nil else { throw StoreError.notFound }
                return try await store.list(scope, employerID: employerID, page: page, on: connection)
            }
            return try APIJSON.response(PageBody(agreements))
        }

        api.v1(.post, "/employers/{employer_id}/agreements") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let employerID = try request.id("employer_id", context)
            let body = try await JSONBody<AgreementInput>(request, context: context)
            let (kind, signed, validTo, notes) = try body.value.validated()
            return try await WriteTransaction.run(request, context, pool: pool, scope: scope, bodyBytes: body.bytes) { tx in
                let agreement = try await store.create(scope, employerID: employerID, kind: kind, signedOn: signed,
                                                       validTo: validTo, notes: notes, in: tx)
                return try WriteResult(agreement, status: .created,
                                       location: "/v1/employers/\(employerID.lowercased)/agreements/\(agreement.id.lowercased)",
                                       version: agreement.version)
            }
        }

        api.v1(.get, "/employers/{employer_id}/agreements/{agreement_id}") { request, context in
            let scope = try Authorization.readScope(request, context)
            let employerID = try request.id("employer_id", context)
            let id = try request.id("agreement_id", context)
            guard let agreement = try await pool.withConnection({
                try await store.get(scope, employerID: employerID, id: id, on: $0)
            }) else { throw ReadResponse.notFound() }
            return try ReadResponse.record(agreement, version: agreement.version, request: request)
        }

        api.v1(.put, "/employers/{employer_id}/agreements/{agreement_id}") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let employerID = try request.id("employer_id", context)
            let id = try request.id("agreement_id", context)
            let version = try request.ifMatchVersion
            let (kind, signed, validTo, notes) = try await JSONBody<AgreementInput>(request, context: context).value.validated()
            let agreement = try await pool.withRetriedTransaction {
                try await store.replace(scope, employerID: employerID, id: id, kind: kind, signedOn: signed, validTo: validTo,
                                        notes: notes, ifVersion: version, in: $0)
            }
            return try APIJSON.response(agreement, headers: [.eTag: ETag.header(agreement.version)])
        }

        api.v1(.delete, "/employers/{employer_id}/agreements/{agreement_id}") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let employerID = try request.id("employer_id", context)
            let id = try request.id("agreement_id", context)
            let version = try request.ifMatchVersion
            try await pool.withRetriedTransaction {
                try await store.delete(scope, employerID: employerID, id: id, ifVersion: version, in: $0)
            }
            return Response(status: .noContent)
        }
    }
}
