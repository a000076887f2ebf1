import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import MatchCore

/// The pid of the shared daemon, killed when the test process exits.
nonisolated(unsafe) private var sharedDaemonPID: Int32 = 0

/// One `matchd` for the API tests of this process, on its own database. Tests isolate by
/// förbund, as tenants do.
actor SharedAPIServer {
    static let shared = SharedAPIServer()

    struct Running: Sendable {
        let base: String
        let conninfo: String
        let daemon: DaemonProcess
    }

    private var starting: Task<Running, any Error>?

    /// The server, started by the first caller; the others wait for the same one.
    func start() async throws -> Running {
        if let starting { return try await starting.value }
        let task = Task { try await Self.launch() }
        starting = task
        return try await task.value
    }

    private static func launch() async throws -> Running {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let port = try freePort()
        // Debug logging, so the privacy test scans as much log as the daemon can write. The matching
        // queue is not run here, so tests can see the jobs a write enqueued; MatchingEndToEndTests runs it.
        let daemon = try DaemonProcess(conninfo: conninfo, extra: ["LOTSEN_HTTP_PORT": String(port), "LOTSEN_LOG_LEVEL": "debug",
                                                                   "LOTSEN_QUEUE_MATCHING": "0"])
        sharedDaemonPID = daemon.pid
        atexit { if sharedDaemonPID > 0 { kill(sharedDaemonPID, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let up = try await waitUntil(timeout: .seconds(30)) { (try? await APIClient(base: base).send("GET", "/readyz"))?.status == 200 }
        guard up else { throw HarnessError("matchd did not come up:\n\(daemon.log)") }
        return Running(base: base, conninfo: conninfo, daemon: daemon)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An HTTP answer.
struct APIResponse: Sendable {
    let status: Int
    let headers: [String: String]
    let body: Data

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    /// The `(pointer, rule)` pairs of a problem's field errors.
    var fieldErrors: [String] {
        ((json["errors"] as? [[String: Any]]) ?? []).map { "\($0["pointer"] as? String ?? "") \($0["rule"] as? String ?? "")" }
    }
    var items: [[String: Any]] { (json["items"] as? [[String: Any]]) ?? [] }
}

/// A client of the daemon's API with one token.
struct APIClient: Sendable {
    let base: String
    var token: String?

    func send(_ method: String, _ path: String, json: [String: Any]? = nil, raw: Data? = nil,
              headers: [String: String] = [:]) async throws -> APIResponse {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let raw {
            request.httpBody = raw
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
        return APIResponse(status: http.statusCode, headers: fields, body: data)
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> APIResponse {
        try await send("GET", path, headers: headers)
    }
    func post(_ path: String, _ json: [String: Any], headers: [String: String] = [:]) async throws -> APIResponse {
        try await send("POST", path, json: json, headers: headers)
    }
    func put(_ path: String, _ json: [String: Any], headers: [String: String] = [:]) async throws -> APIResponse {
        try await send("PUT", path, json: json, headers: headers)
    }
    func delete(_ path: String, headers: [String: String] = [:]) async throws -> APIResponse {
        try await send("DELETE", path, headers: headers)
    }
}

/// A förbund of its own for one test, with a coordinator token, and a direct connection for
/// setting up what the API does not do (users, tokens) and for checking what was stored.
struct TestTenant: Sendable {
    let forbund: Forbund
    let coordinatorID: UUID
    let coordinator: APIClient
    let base: String
    let connection: PostgresConnection

    static func make(_ name: String = "F \(UUID().uuidString.prefix(8))") async throws -> TestTenant {
        let server = try await SharedAPIServer.shared.start()
        let connection = try await PostgresConnection.connect(server.conninfo)
        let (forbund, user, token) = try await connection.withTransaction { tx in
            let forbund = try await TenancyStore().createForbund(name: name, in: tx)
            let user = try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: "Kim Koordinator",
                                                           email: "kim@\(forbund.id.uuidString.prefix(8)).se", in: tx)
            let token = try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: user.id, in: tx).token
            return (forbund, user, token)
        }
        return TestTenant(forbund: forbund, coordinatorID: user.id, coordinator: APIClient(base: server.base, token: token),
                          base: server.base, connection: connection)
    }

    /// A client with an employer token for `employerID` (and an employer user behind it).
    func employerClient(_ employerID: UUID) async throws -> APIClient {
        let token = try await connection.withTransaction { tx in
            let user = try await TenancyStore().createUser(forbundID: forbund.id, kind: .employer, name: "Eva Arbetsgivare",
                                                           email: "eva-\(UUID().uuidString.prefix(8))@example.se",
                                                           employerID: employerID, in: tx)
            return try await TokenStore().create(role: .employer, forbundID: forbund.id, userID: user.id, employerID: employerID,
                                                 in: tx).token
        }
        return APIClient(base: base, token: token)
    }

    /// A client with an operator token.
    func operatorClient() async throws -> APIClient {
        let token = try await connection.withTransaction {
            try await TokenStore().create(role: .operator, forbundID: nil, userID: nil, in: $0).token
        }
        return APIClient(base: base, token: token)
    }

    /// How many rows of `table` belong to this förbund.
    func count(_ table: String) async throws -> Int {
        try await connection.query("SELECT count(*) AS n FROM \(identifier: table) WHERE forbund_id = \(forbund.id)")[0]
            .decode(Int.self, "n")
    }

    /// Creates an employer through the API and returns its id.
    func createEmployer(_ number: String, name: String = "Arbetsgivare AB") async throws -> String {
        let response = try await coordinator.post("/v1/employers", ["organisationsnummer": number, "name": name, "sector": "private"])
        guard response.status == 201, let id = response.json["id"] as? String else {
            throw HarnessError("creating employer \(number): \(response.status) \(response.text)")
        }
        return id
    }

    func close() async { await connection.close() }
}

/// Real organisationsnummer of public bodies (from their own published pages).
enum PublicBodies {
    static let stockholmsStad = "212000-0142"
    static let linkopingsKommun = "212000-0449"
    static let regionOstergotland = "232100-0040"
    static let arbetsformedlingen = "202100-2114"
    static let forsakringskassan = "202100-5521"
    static let skatteverket = "202100-5448"
}

/// A valid offer body; override fields with `changes`.
func offerBody(_ changes: [String: Any] = [:]) -> [String: Any] {
    var body: [String: Any] = [
        "type": "praktik", "occupation": "5120", "title": "Kockbiträde", "hours_min": 10, "hours_max": 30,
        "start_date": "2027-02-01", "workplace_kommunkod": "0580", "handledare_available": true, "handledare_hours": 4,
        "adaptations": ["quiet_workspace"], "required_languages": [["language": "sv", "level": "a2"]],
    ]
    for (key, value) in changes { body[key] = value }
    return body
}
