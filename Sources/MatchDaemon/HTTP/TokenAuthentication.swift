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
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            log(request, context, status: error.status.code, since: started)
            throw error
        }
        log(request, context, status: response.status.code, since: started)
        return response
    }

    /// One debug line per request: the route's pattern, never its path or query, which may hold
    /// what a client searched for.
    private func log(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        context.logger.debug("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "-")", "status": "\(status)",
            "ms": "\(Int((ContinuousClock.now - started).inSeconds * 1000))",
        ])
    }
}
