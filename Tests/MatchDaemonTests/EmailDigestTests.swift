import Foundation
import Testing
@testable import MatchCore

/// Email digests end to end: a real matchd sends through a real SMTP server (aiosmtpd, started by
/// the test) that offers STARTTLS on its own certificate and requires AUTH.
@Suite("Email digests over SMTP", .serialized)
struct EmailDigestTests {
    static let allHours = ["LOTSEN_NOTIFY_EMAIL_HOURS": "all 00:00-24:00 Europe/Stockholm"]

    /// Appends 500 `suggestions.new` events about `participant` as ten matching jobs of 50 would: ten
    /// transactions, each dispatched on its own, all within one digest window.
    static func burst(participant: UUID, forbundID: UUID, on connection: PostgresConnection) async throws {
        for _ in 0..<10 {
            try await connection.withTransaction { tx in
                try await EventLog().append((0..<50).map { _ in Event(.suggestionsNew, suggestionIDs: [UUID()], participantID: participant) },
                                            forbundID: forbundID, in: tx)
            }
        }
    }

    @Test(.needs(.smtpPython), .timeLimit(.minutes(3)))
    func aBurstOf500SuggestionsIsOneEmailWithItsHeadersAndNoProfileAndUnsubscribesInOneClick() async throws {
        let smtp = try await SMTPTestServer()
        defer { smtp.stop() }
        let running = try await MatchingDaemon.start(smtp.settings.merging(Self.allHours) { $1 }.merging([
            "LOTSEN_NOTIFY_DIGEST_WINDOW_MS": "20000", "LOTSEN_HTTP_PUBLIC_URL": "https://lotsen.example.se",
        ]) { $1 })
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Mejl")
        // The window is wide so that a loaded machine still dispatches the whole burst into it.
        // A participant of Kim's with values of a profile the email must never carry.
        let profile: [String: Any] = ["adaptation_needs": ["quiet_workspace", "flexible_hours"], "interests": "akvarellmålning",
                                      "skills": ["truckkort-B-unik"], "name": "Ada Unikdottersson"]
        let created = try await people.coordinator.post("/v1/participants", participantBody(profile.merging([
            "responsible_coordinator_id": people.kim.uuidString.lowercased(), "case_reference": "SF-MEJL-1",
        ]) { $1 }))
        let participant = try #require(UUID(uuidString: created.json["id"] as? String ?? ""), "\(created.text)")
        try await Self.burst(participant: participant, forbundID: people.forbund.id, on: running.connection)

        #expect(try await waitUntil(timeout: .seconds(60)) { smtp.messages.count >= 1 }, "\(running.daemon.log)")
        try await Task.sleep(for: .seconds(3))
        let messages = smtp.messages
        #expect(messages.count == 1, "one email for the burst, not \(messages.count)")
        let message = try #require(messages.first)
        #expect(message.meta["tls"] as? Bool == true && message.meta["authenticated_as"] as? String == smtp.user, "\(message.meta)")
        #expect(message.meta["rcpt_tos"] as? [String] == ["kim@example.se"])
        let digest = try await running.connection.query("SELECT id, size FROM digests WHERE forbund_id = \(people.forbund.id) AND state = 'sent'")
        #expect(digest.count == 1)
        let digestID = try digest[0].decode(UUID.self, "id")
        #expect(try digest[0].decode(Int.self, "size") == 500)
        #expect(message.header("Message-ID") == "<digest-\(digestID.uuidString.lowercased())@example.se>")
        #expect(message.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        let unsubscribe = try #require(message.header("List-Unsubscribe"))
        #expect(unsubscribe.hasPrefix("<https://lotsen.example.se/unsubscribe/") && unsubscribe.hasSuffix(">"), "\(unsubscribe)")
        #expect(message.header("Content-Type")?.hasPrefix("multipart/alternative") == true)
        let parts = message.parts
        #expect(parts.map { $0.type.components(separatedBy: ";")[0] } == ["text/plain", "text/html"], "\(message.raw.prefix(2000))")
        let plain = parts.first?.text ?? ""
        #expect(plain.contains("SF-MEJL-1") && plain.contains("… och 480 till: https://lotsen.example.se/v1/inbox"), "\(plain)")
        #expect(plain.components(separatedBy: "\n- ").count - 1 == 20, "at most 20 lines: \(plain)")
        for value in ["quiet_workspace", "flexible_hours", "akvarellmålning", "truckkort-B-unik", "Ada Unikdottersson", "kvinna",
                      "2003", participant.uuidString.lowercased()] {
            #expect(!message.raw.contains(value) && !parts.contains { $0.text.contains(value) }, "the email holds \(value)")
        }

        // One click: a GET changes nothing, a cookieless POST turns the category off with a 200 and no redirect.
        let path = String(unsubscribe.dropFirst("<https://lotsen.example.se".count).dropLast())
        let anonymous = APIClient(base: running.base)
        func emailOn() async throws -> Bool? {
            let effective = try await people.coordinator.get("/v1/me/notifications").json["effective"] as? [[String: Any]]
            return effective?.first { $0["category"] as? String == "suggestions" }?["email"] as? Bool
        }
        let shown = try await anonymous.get(path)
        #expect(shown.status == 200 && shown.header("Content-Type")?.hasPrefix("text/html") == true, "\(shown.text)")
        #expect(try await emailOn() == true)
        let clicked = try await anonymous.send("POST", path, raw: Data("List-Unsubscribe=One-Click".utf8),
                                               headers: ["Content-Type": "application/x-www-form-urlencoded"])
        #expect(clicked.status == 200 && clicked.header("Location") == nil, "\(clicked.status) \(clicked.text)")
        #expect(try await emailOn() == false)
        #expect(try await anonymous.get("/unsubscribe/not-a-token").status == 404)

        // The participant's export lists the digest; erasure removes its lines.
        let context = AuditContext(actor: "test", reason: "right of access")
        let export = try await running.connection.withTransaction { tx in
            try await ParticipantPrivacy().export(forbundID: people.forbund.id, caseReference: "SF-MEJL-1", by: context, in: tx)
        }
        #expect(export?.digests.count == 500 && export?.digests.allSatisfy { $0.digestID == digestID && $0.sentAt != nil } == true)
        _ = try await running.connection.withTransaction { tx in
            try await ParticipantPrivacy().erase(forbundID: people.forbund.id, caseReference: "SF-MEJL-1", by: context, in: tx)
        }
        #expect(try await running.connection.query("""
            SELECT count(*) AS n FROM digest_items WHERE participant_id = \(participant)
            """)[0].decode(Int.self, "n") == 0)
    }

    @Test(.needs(.smtpPython), .timeLimit(.minutes(2)))
    func aServerWithoutStartTLSGetsNothingInClearAndTheDigestIsRetried() async throws {
        let smtp = try await SMTPTestServer(startTLS: false)
        defer { smtp.stop() }
        let running = try await MatchingDaemon.start(smtp.settings.merging(Self.allHours) { $1 }.merging(["LOTSEN_NOTIFY_DIGEST_WINDOW_MS": "0"]) { $1 })
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Klartext")
        let employer = people.employerID.uuidString.lowercased()
        #expect(try await people.employer.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).status == 201)
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await running.connection.query("""
                SELECT count(*) AS n FROM jobs WHERE kind = 'notify.email' AND state IN ('retryable', 'scheduled') AND jsonb_array_length(errors) > 0
                """)[0].decode(Int.self, "n") == 1
        }, "\(running.daemon.log)")
        let digest = try await running.connection.query("SELECT state, last_error FROM digests WHERE forbund_id = \(people.forbund.id)")
        #expect(try digest.first?.decode(String.self, "state") == "sending")
        #expect(try digest.first?.decode(String?.self, "last_error")?.isEmpty == false)
        #expect(smtp.messages.isEmpty)
        #expect(!smtp.sessions.contains { ["stored", "auth_ok"].contains($0["event"] as? String) }, "\(smtp.sessions)")
    }

    /// A daemon killed after a digest's events committed, before the window closed: the next one sends it, once.
    @Test(.needs(.smtpPython), .timeLimit(.minutes(2)))
    func aDigestWhoseDaemonWasKilledIsSentOnceAfterTheRestart() async throws {
        let smtp = try await SMTPTestServer()
        defer { smtp.stop() }
        let settings = smtp.settings.merging(Self.allHours) { $1 }.merging(["LOTSEN_NOTIFY_DIGEST_WINDOW_MS": "3000"]) { $1 }
        let running = try await MatchingDaemon.start(settings)
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Omstart")
        let employer = people.employerID.uuidString.lowercased()
        #expect(try await people.employer.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).status == 201)
        #expect(try await waitUntil(timeout: .seconds(30)) {
            try await running.connection.query("SELECT count(*) AS n FROM digests WHERE state = 'open'")[0].decode(Int.self, "n") == 1
        })
        running.daemon.kill9()
        #expect(smtp.messages.isEmpty)
        let second = try DaemonProcess(conninfo: running.conninfo, extra: settings)
        defer { second.terminate() }
        #expect(try await waitUntil(timeout: .seconds(30)) { smtp.messages.count == 1 }, "\(second.log)")
        try await Task.sleep(for: .seconds(2))
        #expect(smtp.messages.count == 1)
        #expect(try await running.connection.query("SELECT state FROM digests")[0].decode(String.self, "state") == "sent")
    }

    /// An employer user's digest names the offer, never the participant or their case reference.
    @Test func anEmployerUsersEmailNamesTheOfferAndNoParticipant() async throws {
        let running = try await MatchingDaemon.start()
        defer { running.stop() }
        let people = try await ReviewEndToEndTests.people(running, name: "Arbetsgivarmejl")
        let employer = people.employerID.uuidString.lowercased()
        let offer = try #require(UUID(uuidString: try await people.employer.post("/v1/employers/\(employer)/offers",
            offerBody(["status": "open", "title": "Diskare"])).json["id"] as? String ?? ""))
        let participant = try #require(UUID(uuidString: try await people.coordinator.post("/v1/participants", participantBody([
            "responsible_coordinator_id": people.kim.uuidString.lowercased(), "case_reference": "SF-HEMLIG-7", "name": "Bo Hemligsson",
        ])).json["id"] as? String ?? ""))
        let forbund = people.forbund.id
        let digest = try await running.connection.withTransaction { tx in
            let id = try await tx.query("""
                INSERT INTO digests (forbund_id, user_id, window_start, closes_at) VALUES (\(forbund), \(people.employerUser), now(), now())
                RETURNING id
                """)[0].decode(UUID.self, "id")
            try await tx.execute("""
                INSERT INTO digest_items (forbund_id, digest_id, event_id, type, suggestion_id, participant_id, offer_id, employer_id, created_at)
                VALUES (\(forbund), \(id), 1, 'candidate.presented', \(UUID()), \(participant), \(offer), \(people.employerID), now())
                """)
            return id
        }
        let step = try await running.connection.withTransaction { tx in
            try await DigestStore().take(digest, forbundID: forbund, now: Date(), hours: try EmailHours(parsing: "all 00:00-24:00 UTC"),
                                         urgentAnyTime: false, from: "lotsen@example.se", publicURL: "https://lotsen.example.se", in: tx)
        }
        guard case .send(let message) = step else { Issue.record("the digest was not sent"); return }
        #expect(message.to == "eva@linkoping.example.se")
        #expect(message.plainText.contains("En kandidat har presenterats för ”Diskare”"), "\(message.plainText)")
        for value in ["SF-HEMLIG-7", "Bo Hemligsson", participant.uuidString.lowercased()] {
            #expect(!message.plainText.contains(value) && !message.html.contains(value), "the employer's email names \(value)")
        }
    }

    /// Outside the sending hours the job waits for the next opening, read on the wall clock of the
    /// zone across the clock changes; an urgent digest goes at once only with `urgent_any_time`.
    @Test func aDigestClosingOutsideTheHoursWaitsForTheNextOpeningAcrossTheClockChanges() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        let hours = try EmailHours(parsing: EmailHours.defaultText)
        func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
        let (forbund, digest, urgent) = try await connection.withTransaction { tx in
            let forbund = try await TenancyStore().createForbund(name: "Timmar", in: tx)
            let kim = try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: "Kim", email: "kim@example.se", in: tx)
            let lena = try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: "Lena", email: "lena@example.se", in: tx)
            func digest(_ user: UUID, _ type: Event.Kind) async throws -> UUID {
                let id = try await tx.query("""
                    INSERT INTO digests (forbund_id, user_id, window_start, closes_at) VALUES (\(forbund.id), \(user), \(utc("2027-03-26T17:00:00Z")),
                    \(utc("2027-03-26T17:15:00Z"))) RETURNING id
                    """)[0].decode(UUID.self, "id")
                try await tx.execute("""
                    INSERT INTO digest_items (forbund_id, digest_id, event_id, type, created_at) VALUES (\(forbund.id), \(id), 1, \(type.rawValue), now())
                    """)
                return id
            }
            return (forbund.id, try await digest(kim.id, .offerOpened), try await digest(lena.id, .checkInAtRisk))
        }
        func step(_ id: UUID, at now: Date, urgentAnyTime: Bool = false) async throws -> DigestSendWorker.Step {
            try await connection.withTransaction { tx in
                try await DigestStore().take(id, forbundID: forbund, now: now, hours: hours, urgentAnyTime: urgentAnyTime,
                                             from: "lotsen@example.se", publicURL: nil, in: tx)
            }
        }
        // Friday 18:20 CET, after hours: Monday 07:00, which is CEST after the March change (05:00Z).
        guard case .wait(let until) = try await step(digest, at: utc("2027-03-26T17:20:00Z")) else { Issue.record("sent after hours"); return }
        #expect(until == utc("2027-03-29T05:00:00Z"))
        guard case .wait = try await step(urgent, at: utc("2027-03-26T17:20:00Z")) else { Issue.record("urgent sent after hours"); return }
        guard case .send = try await step(urgent, at: utc("2027-03-26T17:20:00Z"), urgentAnyTime: true) else {
            Issue.record("urgent_any_time did not send"); return
        }
        // Monday 06:59 CEST is still closed; 07:00 CEST sends.
        guard case .wait = try await step(digest, at: utc("2027-03-29T04:59:00Z")) else { Issue.record("sent before 07:00"); return }
        guard case .send(let message) = try await step(digest, at: utc("2027-03-29T05:00:00Z")) else { Issue.record("not sent at 07:00"); return }
        #expect(message.to == "kim@example.se")
        // October: Friday 19:00 CEST waits for Monday 07:00 CET (06:00Z).
        #expect(hours.nextSendingTime(from: utc("2026-10-23T17:00:00Z")) == utc("2026-10-26T06:00:00Z"))
        #expect(hours.isOpen(at: utc("2026-10-26T06:00:00Z")) && !hours.isOpen(at: utc("2026-10-26T05:59:00Z")))
        #expect(!hours.isOpen(at: utc("2026-10-24T10:00:00Z")), "Saturdays are closed")
    }
}
