import Foundation
import Testing
@testable import MatchCore
@testable import MatchDaemon

/// The API held to `openapi.json`, driven by the document: a property added to a schema later is
/// covered by these tests without a new test.
@Suite("The API contract: openapi.json and the server agree")
struct APIContractTests {
    /// Request properties that name other records: the examples hold placeholder ids, and the
    /// test fills in real ones. A new reference field fails the round trip until it is named here.
    static func reference(_ name: String, _ tenant: TestTenant, _ ids: [String: String]) -> Any? {
        switch name {
        case "responsible_coordinator_id": tenant.coordinatorID.uuidString.lowercased()
        case "excluded_employer_ids": [ids["employer_id"]!]
        default: nil
        }
    }

    /// Where a request property is read back when the operation's answer does not carry it.
    static func readBack(_ operation: ContractDocument.Operation, _ answer: [String: Any], _ ids: [String: String],
                         _ client: APIClient) async throws -> [String: Any] {
        switch operation.id {
        case "changeOfferStatus":
            let history = try await client.get("/v1/offers/\(ids["offer_id"]!)/history").items
            return answer.merging(["note": history.last?["note"] ?? NSNull()]) { $1 }
        case "addConsent":
            return ((answer["consents"] as? [[String: Any]]) ?? []).last ?? [:]
        case "withdrawConsent":
            return ((answer["consents"] as? [[String: Any]]) ?? []).first { $0["id"] as? String == ids["consent_id"] } ?? [:]
        case "createPlacement":
            // The codes applied for come back as the supports with their amounts.
            let codes = ((answer["supports"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
            return answer.merging(["supports_applied_for": codes]) { $1 }
        case "endPlacement":
            let participant = try await client.get("/v1/participants/\(ids["participant_id"]!)").json
            return answer.merging(["resume_seeking": participant["seeking"] ?? NSNull()]) { $1 }
        case "endFollowAlong":
            return answer.merging(["ended_on": answer["follow_along_ended_on"] ?? NSNull()]) { $1 }
        case let id where ReviewSeed.actionStates[id] != nil:
            // The note and reason live in the history; the employer's answer is the state it led to.
            let history = try await client.get("/v1/suggestions/\(ids["suggestion_id"]!)/history").items.last ?? [:]
            var read = answer.merging(["note": history["note"] ?? NSNull(), "reason": history["reason"] ?? NSNull()]) { $1 }
            if let state = answer["state"] as? String, id == "recordEmployerAnswer" || id == "answerCandidate" {
                read["interested"] = state == "employer_interested"
            }
            return read
        default:
            return answer
        }
    }

    @Test func everyRequestSchemaHasACompleteExample() throws {
        let document = try ContractDocument()
        var problems: [String] = []
        for operation in document.operations {
            guard let schema = document.requestSchema(operation) else { continue }
            guard let example = schema["example"] else {
                problems.append("\(operation.id): the request schema has no example")
                continue
            }
            problems += document.incompleteness(example, schema, at: operation.id)
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func everyResponseSchemaRequiresEveryPropertyItHas() throws {
        let document = try ContractDocument()
        var problems: [String] = []
        for (name, node) in (document.root["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        where !name.hasSuffix("Input") && name != "Problem" {
            for branch in document.objectBranches(document.resolve(node)) {
                let properties = Set(((branch["properties"] as? [String: Any]) ?? [:]).keys)
                let required = Set((branch["required"] as? [String]) ?? [])
                if properties != required { problems.append("\(name): not required: \(properties.subtracting(required).sorted())") }
                if branch["additionalProperties"] as? Bool != false { problems.append("\(name): additionalProperties is not false") }
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// Every example is sent to every operation that takes its schema, creates before changes; the
    /// answer and a fresh read carry every value as sent (or as `x-normalized-example` declares),
    /// under its documented name; every answer has exactly the documented properties.
    @Test func everyExampleComesBackAsSentAndEveryAnswerHasTheDocumentedShape() async throws {
        let document = try ContractDocument()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let coordinator = tenant.coordinator
        // The catalog the placement example's supports are estimated by (loading it again is a no-op).
        _ = try await tenant.connection.withTransaction {
            try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data), loadedBy: "test", in: $0)
        }
        var ids: [String: String] = [:]
        var problems: [String] = []
        var employerClient: APIClient?
        /// Candidates are the employer's routes; everything else is the coordinator's.
        func client(for path: String) -> APIClient {
            path.hasPrefix("/v1/candidates") ? employerClient! : coordinator
        }

        func checkShape(_ response: APIResponse, _ operation: ContractDocument.Operation) {
            guard let schema = document.responseSchema(operation, status: response.status) else {
                if !response.body.isEmpty, response.status != 304 { problems.append("\(operation.id): \(response.status) is not documented") }
                return
            }
            let body = (try? JSONSerialization.jsonObject(with: response.body)) ?? NSNull()
            problems += document.shapeProblems(body, schema).map { "\(operation.id) \(response.status): \($0)" }
        }

        func compare(_ sent: Any, _ received: Any?, _ node: Any?, at pointer: String) {
            let schema = document.resolve(node)
            if let normalized = schema["x-normalized-example"] {
                if canonicalJSON(normalized) != canonicalJSON(received) {
                    problems.append("\(pointer): sent \(canonicalJSON(sent)), expected \(canonicalJSON(normalized)), got \(canonicalJSON(received))")
                }
                return
            }
            switch sent {
            case let object as [String: Any]:
                guard let answer = received as? [String: Any] else { return problems.append("\(pointer): sent an object, got \(canonicalJSON(received))") }
                let properties = document.objectBranches(schema).reduce(into: [String: Any]()) { $0.merge(($1["properties"] as? [String: Any]) ?? [:]) { a, _ in a } }
                for (key, value) in object where !ContractDocument.isReadOnly(properties[key]) {
                    guard answer[key] != nil else { problems.append("\(pointer)/\(key): not in the answer under its documented name"); continue }
                    compare(value, answer[key], properties[key], at: "\(pointer)/\(key)")
                }
            case let array as [Any]:
                guard let answer = received as? [Any], answer.count == array.count else {
                    return problems.append("\(pointer): sent \(canonicalJSON(sent)), got \(canonicalJSON(received))")
                }
                let items = schema["items"] ?? ["anyOf", "oneOf"].flatMap { (schema[$0] as? [Any]) ?? [] }.map { document.resolve($0) }
                    .first { $0["items"] != nil }?["items"]
                for (index, value) in array.enumerated() { compare(value, answer[index], items, at: "\(pointer)/\(index)") }
            default:
                if canonicalJSON(sent) != canonicalJSON(received) {
                    problems.append("\(pointer): sent \(canonicalJSON(sent)), got \(canonicalJSON(received))")
                }
            }
        }

        func filled(_ path: String) -> String {
            var path = path
            for (name, id) in ids { path = path.replacingOccurrences(of: "{\(name)}", with: id) }
            return path
        }

        // Creates first, then replacements, then actions; each once its path's ids are known.
        var pending = document.operations.filter { document.requestSchema($0) != nil }
        func rank(_ operation: ContractDocument.Operation) -> Int {
            let responses = (operation.object["responses"] as? [String: Any]) ?? [:]
            return responses["201"] != nil ? 0 : operation.method == "PUT" ? 1 : 2
        }
        while let next = pending.filter({ $0.pathParameters.allSatisfy { ids[$0] != nil } }).min(by: { (rank($0), $0.path) < (rank($1), $1.path) }) {
            pending.removeAll { $0.id == next.id }
            // A suggestion to act on, once there is a participant and an offer (the shared server
            // runs no matching), put into the state each action starts from.
            if ids["suggestion_id"] == nil, let participant = ids["participant_id"], let offer = ids["offer_id"] {
                let seeded = try await ReviewSeed.suggestion(tenant, participant: participant, offer: offer)
                ids["suggestion_id"] = seeded
                ids["candidate_id"] = seeded
                employerClient = try await tenant.employerClient(UUID(uuidString: ids["employer_id"]!)!)
            }
            // A check-in to record, once a placement has planned its first ones.
            if ids["check_in_id"] == nil, let placement = ids["placement_id"] {
                ids["check_in_id"] = try await coordinator.get("/v1/placements/\(placement)/check-ins").items.first?["id"] as? String
            }
            if let state = ReviewSeed.actionStates[next.id] {
                try await ReviewSeed.force(tenant, ids["suggestion_id"]!, into: state)
            }
            let client = client(for: next.path)
            let schema = try #require(document.requestSchema(next))
            var body = try #require(schema["example"] as? [String: Any], "\(next.id) has no example")
            for (name, property) in (schema["properties"] as? [String: Any]) ?? [:] where !ContractDocument.isReadOnly(property) {
                let resolved = document.resolve(property)
                let isReference = resolved["format"] as? String == "uuid" || document.resolve(resolved["items"])["format"] as? String == "uuid"
                guard isReference, body[name] != nil else { continue }
                guard let real = Self.reference(name, tenant, ids) else {
                    problems.append("\(next.id): /\(name) refers to a record; say in APIContractTests.reference how to fill it")
                    continue
                }
                body[name] = real
            }
            if next.method == "PUT" {
                // First replace with only the required fields, so a field the replace path drops
                // shows below as a value that did not come back, not as the create's value kept.
                let required = Set((schema["required"] as? [String]) ?? [])
                var minimal = body.filter { required.contains($0.key) }
                var reset = try await client.send("PUT", filled(next.path), json: minimal)
                if reset.status == 422 {
                    // A field required by another's value (a wage for a paid type) is named by the
                    // refusal: add those back from the example.
                    for error in reset.fieldErrors {
                        let key = String(error.dropFirst().prefix { $0 != "/" && $0 != " " })
                        minimal[key] = body[key]
                    }
                    reset = try await client.send("PUT", filled(next.path), json: minimal)
                }
                #expect(reset.status == 200, "\(next.id) with required fields only: \(reset.status) \(reset.text)")
            }
            let response = try await client.send(next.method, filled(next.path), json: body)
            guard (200..<300).contains(response.status) else {
                problems.append("\(next.id): the example was answered \(response.status) \(response.text)")
                continue
            }
            checkShape(response, next)
            // The ids this answer gives, by the operation's documented links.
            let links = ((next.object["responses"] as? [String: Any])?[String(response.status)] as? [String: Any])?["links"] as? [String: Any] ?? [:]
            for case let link as [String: Any] in links.values {
                for (name, expression) in (link["parameters"] as? [String: String]) ?? [:] where expression.hasPrefix("$response.body#") {
                    if ids[name] == nil, let id = JSONPointer.get(response.json, String(expression.dropFirst("$response.body#".count))) as? String {
                        ids[name] = id
                    }
                }
            }
            compare(body, try await Self.readBack(next, response.json, ids, coordinator), schema, at: next.id)
            if let location = response.header("Location") ?? (next.method == "PUT" ? filled(next.path) : nil) {
                let reread = try await client.get(location)
                #expect(reread.status == 200, "\(location)")
                compare(body, try await Self.readBack(next, reread.json, ids, coordinator), schema, at: "\(next.id) read again")
            }
        }
        #expect(pending.isEmpty, "no link gives the ids of: \(pending.map(\.id))")

        // Every read, with the ids made above (a random one where none was made), has the documented shape.
        try await ReviewSeed.force(tenant, ids["suggestion_id"]!, into: .presented)
        for operation in document.operations where operation.method == "GET" && !document.isEventStream(operation) {
            let client = client(for: operation.path)
            var path = filled(operation.path)
            let unmade = operation.pathParameters.filter { ids[$0] == nil }
            for name in unmade { path = path.replacingOccurrences(of: "{\(name)}", with: UUID().uuidString.lowercased()) }
            if operation.path.hasSuffix("/supports") { path += "?offer=\(ids["offer_id"]!)" }
            let response = try await client.get(path)
            // A record made above is found; only an id made up here may be a 404.
            #expect(response.status == 200 || (response.status == 404 && !unmade.isEmpty), "\(path): \(response.status) \(response.text)")
            // The document's own answer is the document, which the OpenAPI validator checks.
            if response.header("Content-Type")?.contains("json") == true, operation.path != "/openapi.json" { checkShape(response, operation) }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// Each write route refuses a key its schema lacks, at the top and nested, naming it, and
    /// stores nothing.
    @Test func anUnknownKeyIsRefusedOnEveryWriteRoute() async throws {
        let document = try ContractDocument()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let employer = try await tenant.createEmployer(PublicBodies.linkopingsKommun)
        let ids = ["employer_id": employer, "agreement_id": UUID().uuidString, "offer_id": UUID().uuidString,
                   "participant_id": UUID().uuidString, "consent_id": UUID().uuidString, "suggestion_id": UUID().uuidString,
                   "candidate_id": UUID().uuidString, "placement_id": UUID().uuidString, "check_in_id": UUID().uuidString]
        let employerClient = try await tenant.employerClient(UUID(uuidString: employer)!)
        let employersBefore = try await tenant.count("employers")
        var checked = 0
        for operation in document.operations {
            guard let schema = document.requestSchema(operation), let example = schema["example"] as? [String: Any] else { continue }
            var path = operation.path
            for (name, id) in ids { path = path.replacingOccurrences(of: "{\(name)}", with: id) }
            var top = example
            top["lotsen_unknown"] = true
            let client = operation.path.hasPrefix("/v1/candidates") ? employerClient : tenant.coordinator
            var refused = try await client.send(operation.method, path, json: top)
            #expect(refused.status == 422 && refused.fieldErrors.contains("/lotsen_unknown unknown_field"),
                    "\(operation.id): \(refused.status) \(refused.text)")
            for pointer in document.nestedObjectPointers(example) {
                var nested = example
                JSONPointer.set(&nested, pointer + "/lotsen_unknown", 1)
                refused = try await client.send(operation.method, path, json: nested)
                #expect(refused.status == 422 && refused.fieldErrors.contains("\(pointer)/lotsen_unknown unknown_field"),
                        "\(operation.id) \(pointer): \(refused.status) \(refused.text)")
                checked += 1
            }
        }
        #expect(checked >= 8, "nested objects were tried on \(checked) places")
        #expect(try await tenant.count("employers") == employersBefore)
    }

    /// Each list route refuses a parameter it does not document, and every role gets a 400 for an
    /// empty or malformed id parameter (`?forbund=`), before anything is read.
    @Test func unknownAndMalformedQueryParametersAreRefusedOnEveryListRoute() async throws {
        let document = try ContractDocument()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let employer = try await tenant.createEmployer(PublicBodies.regionOstergotland)
        let clients = [("coordinator", tenant.coordinator), ("employer", try await tenant.employerClient(UUID(uuidString: employer)!)),
                       ("operator", try await tenant.operatorClient())]
        var lists = 0
        for operation in document.operations where operation.method == "GET" {
            guard let schema = document.responseSchema(operation, status: 200), (schema["properties"] as? [String: Any])?["items"] != nil else { continue }
            lists += 1
            let path = operation.path.replacingOccurrences(of: "{employer_id}", with: employer)
            for (role, client) in clients {
                let unknown = try await client.get(path + "?lotsen_unknown=1")
                #expect(unknown.status == 400 && unknown.fieldErrors.contains("?lotsen_unknown unknown_parameter"), "\(role) \(path): \(unknown.text)")
                let parameters = ((operation.object["parameters"] as? [Any]) ?? []).map { document.resolve($0) }
                for parameter in parameters where parameter["in"] as? String == "query" {
                    let name = parameter["name"] as! String
                    let format = document.resolve(parameter["schema"])["format"] as? String
                    for value in format == "uuid" ? ["", "not-an-id"] : [""] {
                        let malformed = try await client.get(path + "?\(name)=\(value)")
                        #expect(malformed.status == 400 && malformed.fieldErrors.first?.hasPrefix("?\(name) ") == true,
                                "\(role) \(path)?\(name)=\(value): \(malformed.status) \(malformed.text)")
                    }
                }
            }
        }
        #expect(lists >= 6)
    }
}

@Suite("Records read and sent back whole")
struct ReadThenReplaceTests {
    /// A client may GET a record, change nothing (or one field) and PUT it back whole: the
    /// read-only fields it echoes are accepted and ignored, and an offer in any status goes back.
    @Test func everyReplaceableRecordCanBeSentBackAsItWasRead() async throws {
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let api = tenant.coordinator
        let employer = try await tenant.createEmployer(PublicBodies.forsakringskassan)
        let agreement = try #require(try await api.post("/v1/employers/\(employer)/agreements", ["kind": "placement", "signed_on": "2026-01-15"])
            .json["id"] as? String)
        let offer = try #require(try await api.post("/v1/employers/\(employer)/offers", offerBody(["status": "open"])).json["id"] as? String)
        #expect(try await api.post("/v1/offers/\(offer)/status", ["status": "paused", "note": "semester"]).status == 200)
        let participant = try #require(try await api.post("/v1/participants", participantBody()).json["id"] as? String)
        #expect(try await api.post("/v1/participants/\(participant)/consents", ["purpose": "matching", "given_on": "2026-01-10"]).status == 201)

        let document = try ContractDocument()
        let ids = ["employer_id": employer, "agreement_id": agreement, "offer_id": offer, "participant_id": participant]
        var replaced = 0
        for operation in document.operations where operation.method == "PUT" {
            var path = operation.path
            for (name, id) in ids { path = path.replacingOccurrences(of: "{\(name)}", with: id) }
            let read = try await api.get(path)
            #expect(read.status == 200, "\(path)")
            let etag = try #require(read.header("ETag"))
            let written = try await api.send("PUT", path, raw: read.body, headers: ["Content-Type": "application/json", "If-Match": etag])
            #expect(written.status == 200, "\(operation.id): \(written.status) \(written.text)")
            var before = read.json, after = written.json
            for key in ["version", "updated_at"] { before[key] = nil; after[key] = nil }
            #expect(canonicalJSON(before) == canonicalJSON(after), "\(operation.id) changed what it was sent back")
            replaced += 1
        }
        #expect(replaced >= 4)
        #expect(try await api.get("/v1/offers/\(offer)").json["status"] as? String == "paused")
    }
}
