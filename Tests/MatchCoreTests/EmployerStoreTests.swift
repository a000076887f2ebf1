import Foundation
import Testing
@testable import MatchCore

@Suite("Employer and offer stores")
struct EmployerStoreTests {
    static func fields(_ name: String) -> EmployerFields {
        EmployerFields(name: name, sector: .socialEnterprise, responsibleCoordinatorID: nil, notes: "",
                       addresses: [EmployerAddress(label: "", street: "Storgatan 1", postalCode: "59030", city: "Borensberg",
                                                   kommunkod: "0582", latitude: 58.56, longitude: 15.28, coordinateSource: .address)],
                       contacts: [EmployerContact(name: "Sam", role: "", email: nil, phone: "013-12 34 56", isHandledare: true)],
                       supportGiven: [EmployerSupportGiven(kind: .information, givenOn: CalendarDate(year: 2026, month: 3, day: 2)!,
                                                           notes: "")])
    }

    /// `matchd` logs in as a member of `lotsen_app`: every write of the employer side must work with its rights alone.
    @Test func theApplicationRoleCanDoEverythingTheAPIDoes() async throws {
        try await withTestConnection { connection, _ in
            let forbund = try await connection.withTransaction { try await TenancyStore().createForbund(name: "R", in: $0) }
            try await connection.execute("SET ROLE lotsen_app")
            let scope = AccessScope(forbundID: forbund.id)
            let change = OfferStore.Change(actor: "user:test", requestID: "req-1")
            let employer = try await connection.withTransaction {
                try await EmployerStore().create(forbundID: forbund.id, number: try Organisationsnummer("5560360793"),
                                                 fields: Self.fields("Samhall"), in: $0)
            }
            #expect(employer.fields == Self.fields("Samhall"))
            let replaced = try await connection.withTransaction {
                try await EmployerStore().replace(scope, id: employer.id, number: employer.organisationsnummer,
                                                  fields: Self.fields("Samhall AB"), ifVersion: 1, in: $0)
            }
            #expect(replaced.version == 2)
            _ = try await connection.withTransaction {
                try await AgreementStore().create(scope, employerID: employer.id, kind: .cooperation,
                                                  signedOn: CalendarDate(year: 2026, month: 1, day: 1)!, validTo: nil, notes: "", in: $0)
            }
            var input = OfferInput()
            input.type = "arbetstraning"
            input.occupation = "9111"
            input.title = "Städning"
            input.hoursMin = 8
            input.hoursMax = 20
            input.startDate = "2027-01-04"
            input.workplaceKommunkod = "0582"
            input.handledareAvailable = false
            let offer = try await connection.withTransaction {
                try await OfferStore().create(scope, employerID: employer.id, fields: try input.validated(creating: true), status: .open,
                                              by: change, in: $0)
            }
            let closed = try await connection.withTransaction {
                try await OfferStore().changeStatus(scope, id: offer.id, to: .closed, note: "", ifVersion: offer.version,
                                                    by: change, in: $0)
            }
            #expect(closed.status == .closed)
            try await connection.withTransaction { tx in
                let hash = IdempotencyStore.requestHash(method: "POST", path: "/", body: [])
                _ = try await IdempotencyStore().claim(forbundID: forbund.id, actor: "a", key: "k", requestHash: hash, in: tx)
            }
            try await connection.execute("RESET ROLE")
        }
    }

    @Test func anEmployerScopeSeesOnlyItsOwnEmployerAndOffers() async throws {
        try await withTestConnection { connection, _ in
            let forbund = try await connection.withTransaction { try await TenancyStore().createForbund(name: "S", in: $0) }
            let (first, second) = try await connection.withTransaction { tx in
                (try await EmployerStore().create(forbundID: forbund.id, number: try Organisationsnummer("2120000449"),
                                                  fields: Self.fields("Ett"), in: tx),
                 try await EmployerStore().create(forbundID: forbund.id, number: try Organisationsnummer("2321000040"),
                                                  fields: Self.fields("Två"), in: tx))
            }
            let own = AccessScope(forbundID: forbund.id, employerID: first.id)
            #expect(try await EmployerStore().get(own, id: second.id, on: connection) == nil)
            #expect(try await EmployerStore().list(own, page: PageRequest(), on: connection).items.map(\.id) == [first.id])
            let elsewhere = AccessScope(forbundID: UUID())
            #expect(try await EmployerStore().get(elsewhere, id: first.id, on: connection) == nil)
            await #expect(throws: StoreError.self) {
                try await connection.withTransaction {
                    try await AgreementStore().create(own, employerID: second.id, kind: .other,
                                                      signedOn: CalendarDate(year: 2026, month: 1, day: 1)!, validTo: nil, notes: "", in: $0)
                }
            }
        }
    }
}
