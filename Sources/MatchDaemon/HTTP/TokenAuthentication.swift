import Hummingbird
import MatchCore

/// Resolves `Authorization: Bearer TOKEN` to a principal; no token or a bad one is a 401.
struct TokenAuthentication: RouterMiddleware {
    typealias Context = LotsenRequestContext
    let pool: PostgresPool
    /// Verified tokens in memory (matchd's); without one every request reads the database.
    let cache: TokenCache?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { throw APIProblem.unauthorized }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        let found: Principal?
        if let cache {
            found = try await cache.principal(for: token, pool: pool)
        } else {
            found = try await pool.withConnection { try await TokenStore().authenticate(token, on: $0) }
        }
        guard let principal = found else { throw APIProblem.unauthorized }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "actor"] = "\(principal.auditName)"
        context.actor.value = principal.auditName
        return try await next(request, context)
    }
}
