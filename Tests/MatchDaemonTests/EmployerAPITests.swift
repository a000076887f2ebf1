import Foundation
import Testing
@testable import MatchCore

@Suite("Employers and agreements through HTTP")
struct EmployerAPITests {
    @Test func createReadReplaceAndDeleteAnEmployer() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let api = tenant.coordinator
        let created = try await api.post("/v1/employers", [
            "organisationsnummer": "16" + PublicBodies.linkopingsKommun, "name": "Linköpings kommun", "sector": "public",
            "responsible_coordinator_id": tenant.coordinatorID.uuidString.lowercased(),
            "addresses": [["label": "Stadshuset", "street": "Drottninggatan 45", "postal_code": "582 25", "city": "Linköping",
                           "kommunkod": "0580"],
                          ["label": "Depån", "kommunkod": "0580", "latitude": 58.41, "longitude": 15.62]],
            "contacts": [["name": "Anna Andersson", "role": "HR", "email": "anna@example.se", "is_handledare": true]],
            "support_given": [["kind": "handledare_training", "given_on": "2026-10-01", "notes": "Halvdag"]],
        ])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(created.header("Location") == "/v1/employers/\(id)")
        #expect(created.header("ETag") == "\"1\"")
        #expect(created.json["organisationsnummer"] as? String == "2120000449")
        let addresses = try #require(created.json["addresses"] as? [[String: Any]])
        let linkoping = try #require(ReferenceData.municipalities["0580"])
        #expect(addresses[0]["coordinate_source"] as? String == "municipality")
        #expect(addresses[0]["latitude"] as? Double == linkoping.latitude)
        #expect(addresses[0]["postal_code"] as? String == "58225")
        #expect(addresses[1]["coordinate_source"] as? String == "address")
        #expect(addresses[1]["latitude"] as? Double == 58.41)
        #expect((created.json["contacts"] as? [[String: Any]])?.first?["is_handledare"] as? Bool == true)
        #expect((created.json["support_given"] as? [[String: Any]])?.first?["kind"] as? String == "handledare_training")

        let read = try await api.get("/v1/employers/\(id)")
        #expect(read.status == 200)
        #expect(read.header("ETag") == "\"1\"")
        #expect(read.json["name"] as? String == "Linköpings kommun")
        #expect(try await api.get("/v1/employers/\(id)", headers: ["If-None-Match": "\"1\""]).status == 304)

        var changed = created.json
        changed["name"] = "Linköpings kommun, Tekniska förvaltningen"
        changed["addresses"] = [["kommunkod": "0513"]]
        let replaced = try await api.put("/v1/employers/\(id)", changed, headers: ["If-Match": "\"1\""])
        #expect(replaced.status == 200, "\(replaced.text)")
        #expect(replaced.header("ETag") == "\"2\"")
        #expect((replaced.json["addresses"] as? [[String: Any]])?.map { $0["kommunkod"] as? String } == ["0513"])
        #expect(try await tenant.count("employer_addresses") == 1)

        let stale = try await api.put("/v1/employers/\(id)", changed, headers: ["If-Match": "\"1\""])
        #expect(stale.status == 412)
        #expect(stale.header("Content-Type") == "application/problem+json")
        #expect(try await api.get("/v1/employers/\(id)").json["version"] as? Int == 2)

        #expect(try await api.delete("/v1/employers/\(id)", headers: ["If-Match": "\"1\""]).status == 412)
        #expect(try await api.delete("/v1/employers/\(id)", headers: ["If-Match": "\"2\""]).status == 204)
        #expect(try await api.get("/v1/employers/\(id)").status == 404)
        #expect(try await tenant.count("employer_contacts") == 0)
    }

    @Test func aDuplicateOrganisationsnummerIsAConflict() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        _ = try await tenant.createEmployer(PublicBodies.skatteverket)
        let again = try await tenant.coordinator.post("/v1/employers", [
            "organisationsnummer": PublicBodies.skatteverket.replacingOccurrences(of: "-", with: ""), "name": "Igen",
            "sector": "public",
        ])
        #expect(again.status == 409)
        #expect(again.fieldErrors == ["/organisationsnummer unique"])
        #expect(try await tenant.count("employers") == 1)
    }

    @Test(arguments: [PublicBodies.arbetsformedlingen, PublicBodies.forsakringskassan, PublicBodies.regionOstergotland])
    func realNumbersAreAcceptedAndAChangedCheckDigitIsRejected(_ number: String) async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let last = Int(String(number.last!))!
        let wrong = String(number.dropLast()) + String((last + 1) % 10)
        let rejected = try await tenant.coordinator.post("/v1/employers", ["organisationsnummer": wrong, "name": "X", "sector": "public"])
        #expect(rejected.status == 422)
        #expect(rejected.fieldErrors == ["/organisationsnummer check_digit"])
        let withDash = try await tenant.coordinator.post("/v1/employers", ["organisationsnummer": number, "name": "X", "sector": "public"])
        #expect(withDash.status == 201)
        #expect(withDash.json["organisationsnummer"] as? String == number.replacingOccurrences(of: "-", with: ""))
        let other = try await TestTenant.make()
        defer { Task { await other.close() } }
        let withoutDash = try await other.coordinator.post("/v1/employers", [
            "organisationsnummer": number.replacingOccurrences(of: "-", with: ""), "name": "X", "sector": "public",
        ])
        #expect(withoutDash.status == 201, "the same number is free in another förbund")
    }

    /// Each rule, broken alone, is reported by pointer and rule name, and nothing is stored.
    @Test(arguments: [
        (#"{"organisationsnummer": "12345"}"#, "/organisationsnummer format"),
        (#"{"organisationsnummer": "201000-0000"}"#, "/organisationsnummer third_digit"),
        (#"{"organisationsnummer": null}"#, "/organisationsnummer required"),
        (#"{"name": "  "}"#, "/name required"),
        (#"{"name": "\#(String(repeating: "x", count: 201))"}"#, "/name max_length"),
        (#"{"sector": "church"}"#, "/sector enum"),
        (#"{"addresses": [{"kommunkod": "0000"}]}"#, "/addresses/0/kommunkod kommunkod"),
        (#"{"addresses": [{"kommunkod": "0580", "latitude": 40.0, "longitude": 15.0}]}"#, "/addresses/0 coordinate"),
        (#"{"addresses": [{"kommunkod": "0580", "latitude": 58.0}]}"#, "/addresses/0 coordinate"),
        (#"{"addresses": [{"kommunkod": "0580", "postal_code": "1234"}]}"#, "/addresses/0/postal_code format"),
        (#"{"contacts": [{"role": "chef"}]}"#, "/contacts/0/name required"),
        (#"{"contacts": [{"name": "A", "email": "not-an-address"}]}"#, "/contacts/0/email format"),
        (#"{"contacts": [{"name": "A", "phone": "call me"}]}"#, "/contacts/0/phone format"),
        (#"{"support_given": [{"kind": "cake", "given_on": "2026-01-01"}]}"#, "/support_given/0/kind enum"),
        (#"{"support_given": [{"kind": "training", "given_on": "2026-02-30"}]}"#, "/support_given/0/given_on date"),
        (#"{"responsible_coordinator_id": "\#(UUID().uuidString)"}"#, "/responsible_coordinator_id coordinator"),
        (#"{"name": 42}"#, "/name type"),
        (#"{"responsible_coordinator_id": "nobody"}"#, "/responsible_coordinator_id format"),
    ])
    func eachBrokenRuleIsNamed(_ change: String, _ expected: String) async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        var body: [String: Any] = ["organisationsnummer": PublicBodies.skatteverket, "name": "Skatteverket", "sector": "public"]
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(change.utf8)) as? [String: Any])
        for (key, value) in changes { body[key] = value is NSNull ? nil : value }
        let response = try await tenant.coordinator.post("/v1/employers", body)
        #expect(response.status == 422, "\(response.text)")
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response.fieldErrors == [expected])
        #expect(try await tenant.count("employers") == 0)
        #expect(try await tenant.count("employer_addresses") == 0)
    }

    @Test func malformedOversizedAndNonJSONBodiesAreRefused() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let api = tenant.coordinator
        let malformed = try await api.send("POST", "/v1/employers", raw: Data("{\"name\": ".utf8),
                                           headers: ["Content-Type": "application/json"])
        #expect(malformed.status == 400)
        #expect(malformed.header("Content-Type") == "application/problem+json")
        let array = try await api.send("POST", "/v1/employers", raw: Data("[1]".utf8), headers: ["Content-Type": "application/json"])
        #expect(array.status == 400)
        let big = try await api.send("POST", "/v1/employers", raw: Data(repeating: 0x20, count: 2_000_000),
                                     headers: ["Content-Type": "application/json"])
        #expect(big.status == 413)
        #expect(big.header("Content-Type") == "application/problem+json")
        let form = try await api.send("POST", "/v1/employers", raw: Data("name=x".utf8),
                                      headers: ["Content-Type": "application/x-www-form-urlencoded"])
        #expect(form.status == 415)
        #expect(try await api.get("/v1/employers?limit=0").fieldErrors == ["?limit range"])
        #expect(try await api.get("/v1/employers?cursor=garbage").fieldErrors == ["?cursor cursor"])
        #expect(try await api.put("/v1/employers/\(UUID())", [:], headers: ["If-Match": "yesterday"]).fieldErrors == ["If-Match etag"])
        #expect(try await tenant.count("employers") == 0)
    }

    @Test func agreementsAreRecordedChangedAndRemoved() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let api = tenant.coordinator
        let employer = try await tenant.createEmployer(PublicBodies.stockholmsStad)
        let path = "/v1/employers/\(employer)/agreements"
        let bad = try await api.post(path, ["kind": "placement", "signed_on": "2026-05-01", "valid_to": "2026-04-30"])
        #expect(bad.fieldErrors == ["/valid_to after_signed_on"])
        let created = try await api.post(path, ["kind": "placement", "signed_on": "2026-05-01", "notes": "Två platser per termin"])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(created.json["valid_to"] is NSNull)
        let replaced = try await api.put("\(path)/\(id)", ["kind": "placement", "signed_on": "2026-05-01", "valid_to": "2027-05-01"],
                                         headers: ["If-Match": "\"1\""])
        #expect(replaced.status == 200)
        #expect(replaced.json["valid_to"] as? String == "2027-05-01")
        #expect(try await api.get(path).items.count == 1)
        #expect(try await api.get("/v1/employers/\(UUID())/agreements").status == 404)
        #expect(try await api.delete("\(path)/\(id)").status == 204)
        #expect(try await api.get("\(path)/\(id)").status == 404)
    }

    @Test func aRetriedCreateWithTheSameIdempotencyKeyMakesOneEmployer() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let api = tenant.coordinator
        let body: [String: Any] = ["organisationsnummer": PublicBodies.arbetsformedlingen, "name": "AF", "sector": "public"]
        let key = ["Idempotency-Key": "create-af-1"]
        let first = try await api.post("/v1/employers", body, headers: key)
        let second = try await api.post("/v1/employers", body, headers: key)
        #expect(first.status == 201)
        #expect(second.status == 201)
        #expect(second.header("Idempotent-Replayed") == "true")
        #expect(second.json["id"] as? String == first.json["id"] as? String)
        #expect(second.header("Location") == first.header("Location"))
        #expect(second.header("ETag") == first.header("ETag"))
        var other = body
        other["name"] = "Arbetsförmedlingen"
        let reused = try await api.post("/v1/employers", other, headers: key)
        #expect(reused.status == 409)
        #expect(reused.fieldErrors == ["Idempotency-Key reused"])

        // Ten concurrent retries of one request with a fresh key: one record, ten identical answers.
        let answers = try await withThrowingTaskGroup(of: APIResponse.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await api.post("/v1/employers", ["organisationsnummer": PublicBodies.forsakringskassan, "name": "FK",
                                                         "sector": "public"], headers: ["Idempotency-Key": "fk"])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0.status == 201 })
        #expect(Set(answers.compactMap { $0.json["id"] as? String }).count == 1)
        #expect(try await tenant.count("employers") == 2)

        // A refused request does not use up its key.
        let refused = try await api.post("/v1/employers", ["name": "Utan nummer", "sector": "public"], headers: ["Idempotency-Key": "k3"])
        #expect(refused.status == 422)
        let fixed = try await api.post("/v1/employers", ["organisationsnummer": PublicBodies.skatteverket, "name": "Utan nummer",
                                                         "sector": "public"], headers: ["Idempotency-Key": "k3"])
        #expect(fixed.status == 201)
        #expect(fixed.header("Idempotent-Replayed") == nil)
    }

    @Test func pagesStayStableWhileEmployersAreAdded() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let api = tenant.coordinator
        // Valid numbers: 55xxxx-xxxx with a computed check digit.
        func number(_ n: Int) -> String {
            let nine = "556" + String(format: "%06d", n)
            let digits = nine.map { Int(String($0))! }
            let check = Organisationsnummer.luhnCheckDigit(digits[...])
            return nine + String(check)
        }
        var originals: Set<String> = []
        for index in 0..<7 {
            originals.insert(try await tenant.createEmployer(number(index), name: "Företag \(Character(UnicodeScalar(UInt8(66 + index * 2))))"))
        }
        var seen: [String] = []
        var cursor: String?
        var page = 0
        repeat {
            let response = try await api.get("/v1/employers?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""))
            #expect(response.status == 200)
            seen += response.items.compactMap { $0["id"] as? String }
            cursor = response.json["next_cursor"] as? String
            // Names before and after the cursor arrive between pages.
            _ = try await tenant.createEmployer(number(100 + page * 2), name: "Företag A\(page)")
            _ = try await tenant.createEmployer(number(101 + page * 2), name: "Företag Z\(page)")
            page += 1
        } while cursor != nil && page < 20
        #expect(Set(seen).count == seen.count, "no employer is listed twice")
        #expect(originals.isSubset(of: Set(seen)), "no employer that existed throughout is skipped")
    }
}
