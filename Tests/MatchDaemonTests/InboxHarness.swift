import Foundation
import Testing
@testable import MatchCore

/// An open `GET /v1/inbox/stream`, read by curl into a file (a real HTTP client, and one process
/// per stream, so closing it is the client going away).
final class InboxStreamClient: @unchecked Sendable {
    /// One Server-Sent Event as received.
    struct Received {
        var id: Int64
        var type: String
        var data: [String: Any]
    }

    let process = Process()
    let path = NSTemporaryDirectory() + "lotsen-stream-\(UUID().uuidString).txt"

    init(base: String, token: String, lastEventID: Int64? = nil) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-sN", "--max-time", "90", "-H", "Authorization: Bearer \(token)", "-o", path]
        if let lastEventID { arguments += ["-H", "Last-Event-ID: \(lastEventID)"] }
        process.arguments = arguments + ["\(base)/v1/inbox/stream"]
        try process.run()
    }

    /// What arrived so far, as text.
    var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The events that arrived so far, in order.
    var events: [Received] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id: Int64?, type: String?, data: [String: Any]?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { type = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") {
                    data = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
                }
            }
            guard let id, let type, let data else { return nil }
            return Received(id: id, type: type, data: data)
        }
    }

    /// Waits until the stream has started (its `retry:` line arrived).
    func started() async throws -> Bool {
        try await waitUntil(timeout: .seconds(30)) { self.text.hasPrefix("retry: 5000") }
    }

    /// Closes the connection.
    func close() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// The open inbox streams of a daemon, as its `/metrics` reports them.
func openInboxStreams(_ base: String) async throws -> Int? {
    let metrics = try await APIClient(base: base).get("/metrics").text
    return metrics.split(separator: "\n").first { $0.hasPrefix("lotsen_inbox_streams_open ") }
        .flatMap { Double($0.split(separator: " ").last ?? "").map { Int($0) } }
}

/// A token for an existing user of the förbund.
func userToken(_ running: MatchingDaemon, forbundID: UUID, userID: UUID, role: Role = .coordinator,
               employerID: UUID? = nil) async throws -> String {
    try await running.connection.withTransaction { tx in
        try await TokenStore().create(role: role, forbundID: forbundID, userID: userID, employerID: employerID, in: tx).token
    }
}
