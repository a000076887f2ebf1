import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import MatchCore

/// A TCP port on loopback that was free a moment ago.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// One request to the daemon; returns status, content type and body.
func request(_ url: String, token: String? = nil) async throws -> (Int, String?, String) {
    var request = URLRequest(url: URL(string: url)!)
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type"), String(decoding: data, as: UTF8.self))
}

@Suite("matchd's HTTP server", .serialized)
struct HTTPServerTests {
    @Test func healthReadinessAndTokenAuthentication() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        let forbund = try await connection.withTransaction { try await TenancyStore().createForbund(name: "A", in: $0) }
        let token = try await connection.withTransaction {
            try await TokenStore().create(role: .coordinator, forbundID: forbund.id, userID: nil, in: $0)
        }.token
        let port = try freePort()
        let daemon = try DaemonProcess(conninfo: conninfo, extra: ["LOTSEN_HTTP_PORT": String(port)])
        let base = "http://127.0.0.1:\(port)"
        let up = try await waitUntil(timeout: .seconds(20)) { (try? await request("\(base)/healthz"))?.0 == 200 }
        #expect(up, "\(daemon.log)")
        #expect(try await request("\(base)/readyz").0 == 200)

        let (status, type, body) = try await request("\(base)/v1/me")
        #expect(status == 401)
        #expect(type == "application/problem+json")
        #expect(body.contains("\"status\":401"))
        #expect(try await request("\(base)/v1/me", token: token + "x").0 == 401)

        let (okStatus, _, me) = try await request("\(base)/v1/me", token: token)
        #expect(okStatus == 200)
        #expect(me.contains("\"role\":\"coordinator\""))
        #expect(me.contains(forbund.id.uuidString.lowercased()))

        let (missing, missingType, _) = try await request("\(base)/v1/nothing-here", token: token)
        #expect(missing == 404)
        #expect(missingType == "application/problem+json")

        daemon.terminate()
        #expect(await daemon.waitForExit() == 0)
        await connection.close()
    }
}
