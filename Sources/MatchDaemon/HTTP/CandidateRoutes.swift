import Foundation
import Hummingbird
import MatchCore

/// `/v1/candidates`: what an employer sees of the participants presented for its offers
/// (`Candidate`), and its answer. Employer tokens only; the candidate id is the suggestion's. A
/// candidate not presented, of another employer's offer, or rejected or withdrawn since, is not found.
enum CandidateRoutes {
    static func add(to api: inout APIRouteBuilder, pool: PostgresPool) {
        let store = CandidateStore()

        api.v1(.get, "/candidates") { request, context in
            let (scope, audit) = try access(context)
            let page = try request.pageRequest
            let offerID = try request.uri.queryParameters["offer"].map { text in
                guard let id = UUID(uuidString: String(text)) else {
                    var errors = FieldErrors()
                    errors.add("?offer", rule: "format", "must be an id")
                    throw APIProblem.badRequest(errors)
                }
                return id
            }
            let candidates = try await pool.withRetriedTransaction { tx in
                try await store.list(scope, offerID: offerID, page: page, by: audit, in: tx)
            }
            return try APIJSON.response(PageBody(candidates))
        }

        api.v1(.get, "/candidates/{candidate_id}") { request, context in
            let (scope, audit) = try access(context)
            let id = try request.id("candidate_id", context)
            guard let candidate = try await pool.withRetriedTransaction({ try await store.get(scope, id: id, by: audit, in: $0) }) else {
                throw ReadResponse.notFound()
            }
            return try ReadResponse.record(candidate, version: candidate.version, request: request)
        }

        api.v1(.post, "/candidates/{candidate_id}/answer") { request, context in
            let (scope, audit) = try access(context)
            let id = try request.id("candidate_id", context)
            let version = try request.ifMatchVersion
            let body = try await JSONBody<ReviewInput>(request, context: context)
            let input = try body.value.validated(for: .employerAnswer)
            return try await WriteTransaction.run(request, context, pool: pool, scope: scope, bodyBytes: body.bytes) { tx in
                _ = try await SuggestionReview().recordEmployerAnswer(scope, id: id, ifVersion: version, interested: input.interested ?? false,
                                                                      note: input.note, by: audit, in: tx)
                // A decline rejects the candidate: the answer still shows it, once, as rejected.
                guard let candidate = try await store.get(scope, id: id, including: [.rejected], by: audit, in: tx) else {
                    throw StoreError.notFound
                }
                return try WriteResult(candidate, version: candidate.version)
            }
        }
    }

    /// Candidates are for employer tokens bound to an employer; coordinators read suggestions.
    static func access(_ context: LotsenRequestContext) throws -> (AccessScope, AuditContext) {
        let principal = try context.requirePrincipal()
        guard principal.role == .employer else { throw APIProblem.forbidden }
        return (try Authorization.ownScope(principal), AuditContext(actor: principal.auditName, requestID: context.id))
    }
}
