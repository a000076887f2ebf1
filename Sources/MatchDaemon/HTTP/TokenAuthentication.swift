import Hummingbird
import MatchCore

/// Resolves `Authorization: Bearer TOKEN` to a principal; no token or a bad one is a 401.
struct TokenAuthentication: RouterMiddleware {
    typealias Context = LotsenRequestContext
    let pool: PostgresPool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { throw APIProblem.unauthorized }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let principal = try await pool.withConnection({ try await TokenStore().authenticate(token, on: $0) }) else {
            throw APIProblem.unauthorized
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "actor"] = "\(principal.auditName)"
        context.actor.value = principal.auditName
        return try await next(request, context)
    }
}
