import Foundation
import Hummingbird
import Logging
import MatchCore
import ServiceLifecycle

/// The routes `matchd` serves: health and readiness, and the JSON API under `/v1`.
enum APIRoutes {
    struct Me: ResponseEncodable {
        var role: String
        var forbundID: String?
        var userID: String?

        enum CodingKeys: String, CodingKey {
            case role
            case forbundID = "forbund_id"
            case userID = "user_id"
        }
    }

    static func router(pool: PostgresPool) -> Router<LotsenRequestContext> {
        let router = Router(context: LotsenRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            let ready = (try? await pool.withConnection { try await Migrator().isUpToDate(on: $0) }) ?? false
            guard ready else {
                throw APIProblem(status: .serviceUnavailable, title: "Not ready",
                                 detail: "the database is unreachable or has pending migrations")
            }
            return Response(status: .ok, body: .init(byteBuffer: .init(string: "ready\n")))
        }
        let v1 = router.group("v1").add(middleware: TokenAuthentication(pool: pool))
        v1.get("me") { _, context -> Me in
            let principal = try context.requirePrincipal()
            return Me(role: principal.role.rawValue, forbundID: principal.forbundID?.uuidString.lowercased(),
                      userID: principal.userID?.uuidString.lowercased())
        }
        return router
    }
}

/// The HTTP server as a service of the daemon's group.
enum APIServer {
    static func make(settings: HTTPConfiguration, pool: PostgresPool, logger: Logger) -> some Service {
        Application(router: APIRoutes.router(pool: pool),
                    configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "matchd"),
                    logger: logger)
    }
}
