import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MatchCore
import Prometheus
import ServiceLifecycle

/// The routes `matchd` serves: health, readiness, metrics and the OpenAPI document, and the
/// JSON API under `/v1`.
enum APIRoutes {
    struct Me: Encodable {
        var role: String
        var forbundID: UUID?
        var userID: UUID?
        var employerID: UUID?

        enum CodingKeys: String, CodingKey { case role, forbundID = "forbund_id", userID = "user_id", employerID = "employer_id" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encodeID(forbundID, forKey: .forbundID)
            try container.encodeID(userID, forKey: .userID)
            try container.encodeID(employerID, forKey: .employerID)
        }
    }

    /// The router and the list of its routes (for the OpenAPI test).
    static func build(pool: PostgresPool, metrics: PrometheusCollectorRegistry?, evaluator: SupportEvaluator = SupportEvaluator(),
                      plan: FollowAlongPlan = FollowAlongPlan(), fanout: InboxFanout = InboxFanout(),
                      publicURL: String? = nil, webhookTarget: WebhookTarget = WebhookTarget(allowPrivate: false),
                      tokenCache: TokenCache? = nil)
        -> (Router<LotsenRequestContext>, [APIRouteBuilder.Entry]) {
        let router = Router(context: LotsenRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware(contract: .served))
        var api = APIRouteBuilder(router: router, authentication: TokenAuthentication(pool: pool, cache: tokenCache))

        api.open(.get, "/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: "ok\n")))
        }
        api.open(.get, "/readyz") { _, _ in
            let ready = (try? await pool.withConnection { try await Migrator().isUpToDate(on: $0) }) ?? false
            guard ready else {
                throw APIProblem(status: .serviceUnavailable, title: "Not ready",
                                 detail: "the database is unreachable or has pending migrations")
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: .init(string: "ready\n")))
        }
        api.open(.get, "/metrics") { _, _ in
            guard let metrics else { throw APIProblem(status: .notFound, title: "Not found", detail: "metrics are off") }
            pool.recordUsage()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        api.open(.get, "/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }
        api.v1(.get, "/me") { _, context in
            let principal = try context.requirePrincipal()
            return try APIJSON.response(Me(role: principal.role.rawValue, forbundID: principal.forbundID,
                                           userID: principal.userID, employerID: principal.employerID))
        }
        EmployerRoutes.add(to: &api, pool: pool)
        AgreementRoutes.add(to: &api, pool: pool)
        OfferRoutes.add(to: &api, pool: pool)
        ParticipantRoutes.add(to: &api, pool: pool, evaluator: evaluator)
        SuggestionRoutes.add(to: &api, pool: pool)
        CandidateRoutes.add(to: &api, pool: pool)
        PlacementRoutes.add(to: &api, pool: pool, plan: plan, evaluator: evaluator)
        InboxRoutes.add(to: &api, pool: pool, fanout: fanout, publicURL: publicURL)
        WebhookRoutes.add(to: &api, pool: pool, target: webhookTarget)
        UnsubscribeRoutes.add(to: &api, pool: pool)
        return (router, api.entries)
    }
}

/// Echoes the request id as `X-Request-Id`, so a client can quote it and an operator find it in the
/// audit log; and, outermost, logs every request once at debug: method, the route's pattern (never
/// the path or query, which may hold what a client searched for), status, time and the actor.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = LotsenRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[Self.header] = context.id
        // Built only at debug: on every request at the usual level this would be work for nothing.
        if context.logger.logLevel <= .debug {
            var metadata: Logger.Metadata = [
                "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "-")", "status": "\(response.status.code)",
                "ms": "\(Int((ContinuousClock.now - started).inSeconds * 1000))",
            ]
            if let actor = context.actor.value { metadata["actor"] = "\(actor)" }
            context.logger.debug("request", metadata: metadata)
        }
        return response
    }

    static let header = HTTPField.Name("X-Request-Id")!
}

/// The HTTP server as a service of the daemon's group.
enum APIServer {
    static func make(settings: HTTPConfiguration, pool: PostgresPool, metrics: PrometheusCollectorRegistry?,
                     evaluator: SupportEvaluator, plan: FollowAlongPlan, fanout: InboxFanout, webhookTarget: WebhookTarget,
                     tokenCache: TokenCache?, logger: Logger) -> some Service {
        Application(router: APIRoutes.build(pool: pool, metrics: metrics, evaluator: evaluator, plan: plan, fanout: fanout,
                                            publicURL: settings.publicURL, webhookTarget: webhookTarget, tokenCache: tokenCache).0,
                    configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "matchd"),
                    logger: logger)
    }
}
