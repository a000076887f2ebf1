import Hummingbird
import MatchCore

/// What a request carries through middleware and routes: who is acting.
struct LotsenRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The authenticated principal (set by `TokenAuthentication` on `/v1`).
    var principal: Principal?
    /// What the route's operation accepts, by the OpenAPI document (set when the route is matched).
    var operation: APIContract.Operation = .undocumented
    /// Bodies larger than this are refused with 413.
    var maxUploadSize: Int { 1_048_576 }

    init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The principal, or a 401 when the route was reached without one.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIProblem.unauthorized }
        return principal
    }
}
