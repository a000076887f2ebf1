import Hummingbird
import HTTPTypes

/// A request for a path that exists with a method it does not take is a 405 naming the methods
/// it does take (`Allow`), as RFC 9110 asks, instead of the router's 404: the path is real, the
/// method is wrong. The methods come from the OpenAPI document, which a test holds to the routes.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let contract: APIContract

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound {
            let methods = contract.methods(at: request.uri.path)
            guard !methods.isEmpty, !methods.contains(request.method.rawValue) else { throw error }
            var headers = HTTPFields()
            headers[.allow] = methods.joined(separator: ", ")
            throw APIProblem(status: .methodNotAllowed, title: "Method not allowed",
                             detail: "\(request.uri.path) takes \(methods.joined(separator: ", "))", headers: headers)
        }
    }
}
