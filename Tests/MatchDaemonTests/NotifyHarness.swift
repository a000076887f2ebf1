import Foundation
import Testing
@testable import MatchCore

/// A test's own Python server process (`Tests/Scripts/…`), ready once it printed `READY <port>`.
/// Its stdin is a pipe whose write end only this process holds (close-on-exec, so matchd and
/// PostgreSQL do not inherit it): the script sees EOF and exits when the test process ends.
///
/// Started with posix_spawn, not Foundation's `Process`: a `Process` still running here made the
/// next `Process.run()` (a test's matchd) hang.
final class ScriptServer: @unchecked Sendable {
    let pid: pid_t
    let port: Int
    let logPath = NSTemporaryDirectory() + "lotsen-script-\(UUID().uuidString).log"
    private let stdinWriter: Int32

    init(python: String, script: String, arguments: [String]) async throws {
        let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Scripts").standardizedFileURL
        let outPath = logPath + ".out"
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw HarnessError("pipe failed") }
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        stdinWriter = ends[1]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = [python, scripts.appendingPathComponent(script).path] + arguments
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var child = pid_t()
        let spawned = posix_spawn(&child, python, &actions, nil, cArgs, cEnv)
        close(ends[0])
        guard spawned == 0 else { throw HarnessError("could not start \(script): errno \(spawned)") }
        pid = child
        var line = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            line = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            if line.contains("\n") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard line.hasPrefix("READY "), let port = Int(line.dropFirst(6).prefix { $0 != "\n" }) else {
            kill(child, SIGKILL)
            throw HarnessError("\(script) did not start: \(line)\n\((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
        }
        self.port = port
    }

    /// Ends the server: SIGTERM, and SIGKILL when it has not gone within two seconds.
    func stop() {
        close(stdinWriter)
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<40 {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, WNOHANG)
    }

    deinit { kill(pid, SIGKILL) }
}

/// `Tests/Scripts/smtp_server.py`: aiosmtpd with STARTTLS on its own certificate and AUTH required.
final class SMTPTestServer: @unchecked Sendable {
    struct Message {
        var raw: String
        var meta: [String: Any]

        /// The value of a header (unfolded).
        func header(_ name: String) -> String? {
            let head = raw.components(separatedBy: "\r\n\r\n").first ?? raw
            return head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }

        /// Each MIME part's content type and decoded text.
        var parts: [(type: String, text: String)] {
            raw.components(separatedBy: "\r\n--").compactMap { part in
                guard let type = part.components(separatedBy: "\r\n").first(where: { $0.lowercased().hasPrefix("content-type: text/") }),
                      let body = part.components(separatedBy: "\r\n\r\n").dropFirst().first else { return nil }
                let base64 = body.components(separatedBy: "\r\n").joined()
                return (String(type.dropFirst("content-type: ".count)), String(decoding: Data(base64Encoded: base64) ?? Data(), as: UTF8.self))
            }
        }
    }

    let server: ScriptServer
    let directory: String
    let user = "lotsen"
    let password = "smtp-pass-\(UUID().uuidString.prefix(8))"
    let passwordFile: String

    init(startTLS: Bool = true) async throws {
        let python = try OutsideTool.smtpPython.require()
        directory = NSTemporaryDirectory() + "lotsen-smtp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        passwordFile = directory + "/password"
        try password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        server = try await ScriptServer(python: python, script: "smtp_server.py",
                                        arguments: ["--dir", directory, "--user", user, "--password", password] + (startTLS ? [] : ["--no-starttls"]))
    }

    /// The daemon settings that send through this server.
    var settings: [String: String] {
        ["LOTSEN_SMTP_URL": "smtp://127.0.0.1:\(server.port)", "LOTSEN_SMTP_USERNAME": user, "LOTSEN_SMTP_PASSWORD_FILE": passwordFile,
         "LOTSEN_SMTP_FROM": "lotsen@example.se", "LOTSEN_SMTP_CA_FILE": directory + "/cert.pem",
         "LOTSEN_HTTP_PUBLIC_URL": "https://lotsen.example.se"]
    }

    /// The messages received so far, in order.
    var messages: [Message] {
        let folder = directory + "/messages"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
        return names.compactMap { name in
            let base = folder + "/" + name.dropLast(5)
            guard let raw = try? String(contentsOfFile: base + ".eml", encoding: .utf8),
                  let meta = (try? Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
                    .flatMap({ try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }) else { return nil }
            return Message(raw: raw, meta: meta)
        }
    }

    /// The session log's events.
    var sessions: [[String: Any]] {
        ((try? String(contentsOfFile: directory + "/sessions.log", encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func stop() { server.stop() }
}

/// `Tests/Scripts/webhook_receiver.py`: verifies each request with the standardwebhooks package
/// against the secrets it was given and answers the statuses it was told to.
final class WebhookReceiver: @unchecked Sendable {
    let server: ScriptServer
    let log = NSTemporaryDirectory() + "lotsen-webhooks-\(UUID().uuidString).jsonl"

    init(port: Int, secrets: [String], responses: [Int] = [], retryAfter: Int? = nil) async throws {
        let python = try OutsideTool.webhookPython.require()
        var arguments = ["--log", log, "--port", String(port)] + secrets.flatMap { ["--secret", $0] }
        if !responses.isEmpty { arguments += ["--responses", responses.map(String.init).joined(separator: ",")] }
        if let retryAfter { arguments += ["--retry-after", String(retryAfter)] }
        server = try await ScriptServer(python: python, script: "webhook_receiver.py", arguments: arguments)
    }

    /// Every request received, in order.
    var requests: [[String: Any]] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func stop() { server.stop() }
}
