import Foundation
import Hummingbird
import MatchCore

/// `/v1/employers`: the employers of a förbund with their addresses, contacts and support given.
enum EmployerRoutes {
    static func add(to api: inout APIRouteBuilder, pool: PostgresPool) {
        let store = EmployerStore()

        api.v1(.get, "/employers") { request, context in
            let scope = try Authorization.readScope(request, context)
            let page = try request.pageRequest
            var employers = try await pool.withConnection { try await store.list(scope, page: page, on: $0) }
            employers.items = try employers.items.map { try shown($0, context) }
            return try APIJSON.response(PageBody(employers))
        }

        api.v1(.post, "/employers") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let body = try await JSONBody<EmployerInput>(request, context: context)
            let (number, fields) = try body.value.validated()
            return try await WriteTransaction.run(request, context, pool: pool, scope: scope, bodyBytes: body.bytes) { tx in
                let employer = try await store.create(forbundID: scope.forbundID, number: number, fields: fields, in: tx)
                return try WriteResult(employer, status: .created, location: "/v1/employers/\(employer.id.lowercased)",
                                       version: employer.version)
            }
        }

        api.v1(.get, "/employers/{employer_id}") { request, context in
            let scope = try Authorization.readScope(request, context)
            let id = try request.id("employer_id", context)
            guard let employer = try await pool.withConnection({ try await store.get(scope, id: id, on: $0) }) else {
                throw ReadResponse.notFound()
            }
            return try ReadResponse.record(try shown(employer, context), version: employer.version, request: request)
        }

        api.v1(.put, "/employers/{employer_id}") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let id = try request.id("employer_id", context)
            let version = try request.ifMatchVersion
            let (number, fields) = try await JSONBody<EmployerInput>(request, context: context).value.validated()
            let employer = try await pool.withRetriedTransaction {
                try await store.replace(scope, id: id, number: number, fields: fields, ifVersion: version, in: $0)
            }
            return try APIJSON.response(employer, headers: [.eTag: ETag.header(employer.version)])
        }

        api.v1(.delete, "/employers/{employer_id}") { request, context in
            let scope = try Authorization.employerWriteScope(context)
            let id = try request.id("employer_id", context)
            let version = try request.ifMatchVersion
            try await pool.withRetriedTransaction { try await store.delete(scope, id: id, ifVersion: version, in: $0) }
            return Response(status: .noContent)
        }
    }
}

extension EmployerRoutes {
    /// The employer as the caller may see it: the placement counts by outcome speak of the people
    /// placed (with few placements, who moved or dropped out), so only coordinators get them.
    static func shown(_ employer: Employer, _ context: LotsenRequestContext) throws -> Employer {
        guard try context.requirePrincipal().role != .coordinator else { return employer }
        var shown = employer
        shown.placements = nil
        return shown
    }
}

extension UUID {
    /// The lower-case form the API uses in paths.
    var lowercased: String { uuidString.lowercased() }
}
