import Hummingbird
import MatchCore
import Synchronization

/// What a request carries through middleware and routes: who is acting.
struct LotsenRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The authenticated principal (set by `TokenAuthentication` on `/v1`).
    var principal: Principal?
    /// What the route's operation accepts, by the OpenAPI document (set when the route is matched).
    var operation: APIContract.Operation = .undocumented
    /// Who the request acts for, once authenticated: shared by the context's copies, so the
    /// outermost middleware's request log names the actor that an inner one found.
    let actor = RequestActor()
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

/// The audit name of a request's principal, set once it is authenticated.
final class RequestActor: Sendable {
    private let name = Mutex<String?>(nil)
    /// The name, if set.
    var value: String? {
        get { name.withLock { $0 } }
        set { name.withLock { $0 = newValue } }
    }
}
