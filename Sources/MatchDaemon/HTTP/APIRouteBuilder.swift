import Hummingbird
import HTTPTypes
import MatchCore

/// Registers routes and remembers each one (method and OpenAPI path), so a test can hold the
/// OpenAPI document against the routes that really exist. Every route is held to its operation
/// in the document before its handler runs: query parameters here, body keys in `JSONBody`.
struct APIRouteBuilder {
    /// A route as the OpenAPI document names it: `GET /v1/employers/{employer_id}`.
    struct Entry: Hashable, Sendable, Comparable {
        var method: String
        var path: String

        static func < (lhs: Entry, rhs: Entry) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
    }

    typealias Handler = @Sendable (Request, LotsenRequestContext) async throws -> Response

    let router: Router<LotsenRequestContext>
    let authenticated: RouterGroup<LotsenRequestContext>
    let contract: APIContract
    private(set) var entries: [Entry] = []

    init(router: Router<LotsenRequestContext>, authentication: TokenAuthentication, contract: APIContract = .served) {
        self.router = router
        self.contract = contract
        authenticated = router.group("v1").add(middleware: authentication)
    }

    /// A route outside `/v1`, without authentication.
    mutating func open(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        router.on(RouterPath(Self.hummingbirdPath(path)), method: method, use: held(to: method, path, handler))
        entries.append(Entry(method: method.rawValue, path: path))
    }

    /// A route under `/v1` (give the path without it), behind token authentication.
    mutating func v1(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        authenticated.on(RouterPath(Self.hummingbirdPath(path)), method: method, use: held(to: method, "/v1" + path, handler))
        entries.append(Entry(method: method.rawValue, path: "/v1" + path))
    }

    /// The handler behind a check of the query against the operation the document gives this
    /// route (a route the document lacks accepts no parameters; a test keeps that from happening).
    private func held(to method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) -> Handler {
        let operation = contract.operation(method.rawValue, path) ?? .undocumented
        return { request, context in
            do throws(FieldErrors) {
                try operation.checkQuery(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            } catch {
                throw APIProblem.badRequest(error)
            }
            var context = context
            context.operation = operation
            return try await handler(request, context)
        }
    }

    /// `/employers/{employer_id}` → `/employers/:employer_id`.
    static func hummingbirdPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
    }
}
