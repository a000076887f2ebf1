import Foundation
import Testing
@testable import MatchCore

/// Placements racing each other and the offer's status, each 50 times, on the shared server's
/// database with writers on connections of their own. Transactions are not retried here, so a
/// deadlock between the writers would fail the test instead of being run again.
@Suite("Placements under concurrent writes")
struct PlacementRaceTests {
    static let runs = 50

    /// One round: an open offer with one position and two participants the employer wants, each
    /// also proposed for a second offer of the same employer.
    struct Round {
        let offer: UUID
        let other: UUID
        let suggestions: [UUID]

        static func make(_ bench: ReviewBench) async throws -> Round {
            let api = bench.tenant.coordinator
            let offer = try #require(try await api.post("/v1/employers/\(bench.employerID)/offers", offerBody(["status": "open"]))
                .json["id"] as? String)
            let other = try #require(try await api.post("/v1/employers/\(bench.employerID)/offers", offerBody(["status": "open"]))
                .json["id"] as? String)
            var suggestions: [UUID] = []
            for _ in 0..<2 {
                let (suggestion, participant) = try await bench.seed(.employerInterested, offer: offer)
                _ = try await ReviewSeed.insert(bench.tenant, participant: participant, offer: other,
                                                supports: [ReviewBench.applying], state: .proposed)
                suggestions.append(try #require(UUID(uuidString: suggestion)))
            }
            return Round(offer: UUID(uuidString: offer)!, other: UUID(uuidString: other)!, suggestions: suggestions)
        }
    }

    static let input = try! PlacementInput(startDate: CalendarDate.inSweden().description, hoursPerWeek: 20, handledareName: "Karin",
                                           handledareContact: "013-200000").validated(today: CalendarDate.inSweden())

    /// Records a placement from `suggestion` in a transaction of its own: true when it was
    /// recorded, false when it was refused as a conflict; any other error (a deadlock) is thrown.
    static func place(_ suggestion: UUID, _ tenant: TestTenant, _ pool: PostgresPool) async throws -> Bool {
        do {
            _ = try await pool.withConnection { connection in
                try await connection.withTransaction { tx in
                    try await PlacementStore().start(forbundID: tenant.forbund.id, suggestionID: suggestion, input, ifVersion: nil,
                                                     today: CalendarDate.inSweden(), by: AuditContext(actor: "test"), in: tx)
                }
            }
            return true
        } catch StoreError.conflict {
            return false
        }
    }

    static func close(_ offer: UUID, _ tenant: TestTenant, _ pool: PostgresPool) async throws {
        _ = try await pool.withConnection { connection in
            try await connection.withTransaction { tx in
                try await OfferStore().changeStatus(AccessScope(forbundID: tenant.forbund.id), id: offer, to: .closed, note: "", ifVersion: nil,
                                                    by: OfferStore.Change(actor: "test", requestID: nil), in: tx)
            }
        }
    }

    static func taken(_ offer: UUID, _ tenant: TestTenant) async throws -> Int {
        try await tenant.connection.query("""
            SELECT count(*) AS n FROM placements WHERE forbund_id = \(tenant.forbund.id) AND offer_id = \(offer) AND ended_on IS NULL
            """)[0].decode(Int.self, "n")
    }

    static func status(_ offer: UUID, _ tenant: TestTenant) async throws -> String {
        try await tenant.connection.query("""
            SELECT status FROM placement_offers WHERE forbund_id = \(tenant.forbund.id) AND id = \(offer)
            """)[0].decode(String.self, "status")
    }

    @Test func twoPlacementsForTheLastPositionOneWinsAndTheOfferIsFilled() async throws {
        let server = try await SharedAPIServer.shared.start()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let pool = PostgresPool(configuration: .init(conninfo: server.conninfo, maxConnections: 4, acquireTimeout: .seconds(30)))
        defer { Task { await pool.close() } }
        var problems: [String] = []
        for run in 0..<Self.runs {
            let round = try await Round.make(bench)
            async let first = Self.place(round.suggestions[0], tenant, pool)
            async let second = Self.place(round.suggestions[1], tenant, pool)
            let won = try await [first, second]
            if won.filter({ $0 }).count != 1 { problems.append("run \(run): \(won)") }
            if try await Self.taken(round.offer, tenant) != 1 { problems.append("run \(run): taken \(try await Self.taken(round.offer, tenant))") }
            if try await Self.status(round.offer, tenant) != "filled" { problems.append("run \(run): \(try await Self.status(round.offer, tenant))") }
            let loser = round.suggestions[won[0] ? 1 : 0]
            let state = try await bench.state(of: loser.uuidString.lowercased())
            if state != "withdrawn" { problems.append("run \(run): the other suggestion is \(state ?? "gone")") }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// Its employer's sector changes while a placement is recorded: both land (the employer's
    /// row is key-share locked by the placement before the version row, so neither waits on the other's).
    @Test func aPlacementRacingAnEditOfItsEmployerBothLand() async throws {
        let server = try await SharedAPIServer.shared.start()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let pool = PostgresPool(configuration: .init(conninfo: server.conninfo, maxConnections: 4, acquireTimeout: .seconds(30)))
        defer { Task { await pool.close() } }
        let employerID = try #require(UUID(uuidString: bench.employerID))
        var problems: [String] = []
        for run in 0..<Self.runs {
            let round = try await Round.make(bench)
            let sector: EmployerSector = run.isMultiple(of: 2) ? .public : .nonProfit
            async let placed = Self.place(round.suggestions[0], tenant, pool)
            async let edited: Void = pool.withConnection { connection in
                try await connection.withTransaction { tx in
                    let scope = AccessScope(forbundID: tenant.forbund.id)
                    let employer = try #require(try await EmployerStore().get(scope, id: employerID, on: tx.connection))
                    var fields = employer.fields
                    fields.sector = sector
                    _ = try await EmployerStore().replace(scope, id: employerID, number: employer.organisationsnummer, fields: fields,
                                                          ifVersion: nil, in: tx)
                }
            }
            let (won, _) = try await (placed, edited)
            if !won { problems.append("run \(run): the placement was refused") }
            if try await Self.taken(round.offer, tenant) != 1 { problems.append("run \(run): not placed") }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func aPlacementRacingItsOfferBeingClosedEitherLandsBeforeTheCloseOrIsRefused() async throws {
        let server = try await SharedAPIServer.shared.start()
        let tenant = try await TestTenant.make()
        defer { Task { await tenant.close() } }
        let bench = try await ReviewBench.make(tenant)
        let pool = PostgresPool(configuration: .init(conninfo: server.conninfo, maxConnections: 4, acquireTimeout: .seconds(30)))
        defer { Task { await pool.close() } }
        var problems: [String] = []
        var outcomes: [Bool: Int] = [:]
        for run in 0..<Self.runs {
            let round = try await Round.make(bench)
            // Every other run closes the participant's other offer instead, whose suggestion the
            // placement withdraws: the two writers meet on suggestion rows of a second offer.
            let closed = run.isMultiple(of: 2) ? round.offer : round.other
            async let placed = Self.place(round.suggestions[0], tenant, pool)
            async let closing: Void = Self.close(closed, tenant, pool)
            let (won, _) = try await (placed, closing)
            outcomes[won, default: 0] += 1
            let taken = try await Self.taken(round.offer, tenant)
            if taken != (won ? 1 : 0) { problems.append("run \(run): placed \(won), taken \(taken)") }
            if closed == round.other, !won { problems.append("run \(run): closing another offer refused the placement") }
            if try await Self.status(closed, tenant) != "closed" { problems.append("run \(run): not closed") }
            let state = try await bench.state(of: round.suggestions[0].uuidString.lowercased())
            if state != (won ? "placed" : "withdrawn") { problems.append("run \(run): placed \(won), suggestion \(state ?? "gone")") }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
