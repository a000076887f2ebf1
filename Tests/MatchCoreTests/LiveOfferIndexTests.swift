import Foundation
import Logging
import Testing
@testable import MatchCore

@Suite("The offer index kept in memory")
struct LiveOfferIndexTests {
    static let today = CalendarDate(year: 2026, month: 12, day: 1)!

    static func offerInput(hoursMin: Int = 8) throws -> OfferFields {
        var input = OfferInput()
        input.type = "arbetstraning"
        input.occupation = "9111"
        input.title = "Städning"
        input.hoursMin = hoursMin
        input.hoursMax = 20
        input.startDate = "2027-01-04"
        input.workplaceKommunkod = "0582"
        input.handledareAvailable = true
        return try input.validated(creating: true)
    }

    /// Changes reach the index by notification, without reading every offer again; a lost
    /// connection, a new day and a missed version each make it rebuild from the tables.
    @Test func changesArriveByNotificationAndALostConnectionRebuilds() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 4))
        let listener = PostgresListener(conninfo: conninfo)
        // A long catch-up: on a loaded machine a notification can take a while, and this test is
        // about changes arriving by notification rather than by a rebuild.
        let live = LiveOfferIndex(pool: pool, catchUp: .seconds(20), logger: Logger(label: "test"), connected: { listener.isConnected })
        let follower = Task { try await OfferIndexFollower(index: live, listener: listener).run() }
        defer {
            listener.stop()
            follower.cancel()
        }
        let connection = try await PostgresConnection.connect(conninfo)
        let forbund = try await connection.withTransaction { try await TenancyStore().createForbund(name: "L", in: $0) }
        let scope = AccessScope(forbundID: forbund.id)
        let change = OfferStore.Change(actor: "user:test", requestID: "req-1")
        let employer = try await connection.withTransaction {
            try await EmployerStore().create(forbundID: forbund.id, number: try Organisationsnummer("5560360793"),
                                             fields: EmployerStoreTests.fields("Samhall"), in: $0)
        }
        var offers: [PlacementOffer] = []
        for _ in 0..<3 {
            let fields = try Self.offerInput()
            offers.append(try await connection.withTransaction {
                try await OfferStore().create(scope, employerID: employer.id, fields: fields, status: .open, by: change, in: $0)
            })
        }
        #expect(await eventually { await live.isFollowing })
        func current() async throws -> OfferIndex {
            let version = try await MatchingSnapshot().offerIndexVersion(forbundID: forbund.id, on: connection)
            return try await live.index(forbundID: forbund.id, atLeast: version, today: Self.today, on: connection)
        }

        #expect(try await current().count == 3)
        #expect(await live.builds == 1)

        // An offer paused: gone from the index, by notification.
        _ = try await connection.withTransaction {
            try await OfferStore().changeStatus(scope, id: offers[0].id, to: .paused, note: "", ifVersion: offers[0].version,
                                                by: change, in: $0)
        }
        #expect(try await current().count == 2)
        // An agreement signed: every offer of the employer shows it.
        _ = try await connection.withTransaction {
            try await AgreementStore().create(scope, employerID: employer.id, kind: .cooperation,
                                              signedOn: CalendarDate(year: 2026, month: 1, day: 1)!, validTo: nil, notes: "", in: $0)
        }
        let withAgreement = try await current()
        #expect(withAgreement.offers.allSatisfy { $0.hasActiveAgreement })
        #expect(await live.builds == 1)
        #expect(await live.applied == 2)

        // The listener's connection dies; an offer closes while it is away. The next use rebuilds.
        let admin = try await PostgresConnection.connect(conninfo)
        _ = try await admin.query("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'
            """)
        _ = try await connection.withTransaction {
            try await OfferStore().changeStatus(scope, id: offers[1].id, to: .closed, note: "", ifVersion: offers[1].version,
                                                by: change, in: $0)
        }
        #expect(try await eventually { try await current().count == 1 })
        #expect(await live.builds >= 2)

        // A new day: agreements may have lapsed, so the index is built again.
        let before = await live.builds
        _ = try await live.index(forbundID: forbund.id, atLeast: 0, today: Self.today.adding(days: 1), on: connection)
        #expect(await live.builds == before + 1)

        // A version the listener never delivered (here: bumped behind the triggers' back) shows as
        // a gap when the next notification comes: the index is dropped and rebuilt.
        #expect(await eventually { await live.isFollowing && listener.isConnected })
        _ = try await current()
        _ = try await admin.query("UPDATE offer_index_versions SET version = version + 5 WHERE forbund_id = \(forbund.id)")
        let afterGap = await live.builds
        _ = try await connection.withTransaction {
            try await OfferStore().changeStatus(scope, id: offers[2].id, to: .paused, note: "", ifVersion: offers[2].version,
                                                by: change, in: $0)
        }
        #expect(try await current().count == 0)
        #expect(await live.builds == afterGap + 1)
        await admin.close()
        await connection.close()
        await pool.close()
    }
}
