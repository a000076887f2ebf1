import Hummingbird
import HTTPTypes

/// Registers routes and remembers each one (method and OpenAPI path), so a test can hold the
/// OpenAPI document against the routes that really exist.
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
    private(set) var entries: [Entry] = []

    init(router: Router<LotsenRequestContext>, authentication: TokenAuthentication) {
        self.router = router
        authenticated = router.group("v1").add(middleware: authentication)
    }

    /// A route outside `/v1`, without authentication.
    mutating func open(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        router.on(RouterPath(Self.hummingbirdPath(path)), method: method, use: handler)
        entries.append(Entry(method: method.rawValue, path: path))
    }

    /// A route under `/v1` (give the path without it), behind token authentication.
    mutating func v1(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        authenticated.on(RouterPath(Self.hummingbirdPath(path)), method: method, use: handler)
        entries.append(Entry(method: method.rawValue, path: "/v1" + path))
    }

    /// `/employers/{employer_id}` → `/employers/:employer_id`.
    static func hummingbirdPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
    }
}
