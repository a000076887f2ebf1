import Foundation
import Testing
@testable import MatchCore

/// The demo data set is what a user would have typed: every record passes the API's own checks,
/// and a seed and a day always give the same data.
@Suite("Demo data set")
struct DemoDataSetTests {
    static let today = CalendarDate(year: 2026, month: 12, day: 1)!

    /// `value` as JSON, decoded as the API's input type: what a client sending it would get checked.
    static func asInput<Input: Decodable>(_ value: some Encodable, _: Input.Type, adding extra: [String: Any] = [:]) throws -> Input {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as! [String: Any]
        object.merge(extra) { _, new in new }
        return try JSONDecoder().decode(Input.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test func everyRecordPassesTheAPIsChecks() throws {
        let data = DemoDataSet(size: .full, today: Self.today)
        #expect(data.employers.count == 100 && data.offers.count == 300 && data.participants.count == 1000)
        #expect(data.coordinators.count == 3 && data.employerUsers.count == 5)
        for employer in data.employers {
            let input = try Self.asInput(employer.fields, EmployerInput.self, adding: ["organisationsnummer": employer.number.digits])
            let (number, fields) = try input.validated()
            #expect(number == employer.number)
            #expect(fields == employer.fields)
        }
        for offer in data.offers {
            let fields = try Self.asInput(offer.fields, OfferInput.self).validated(creating: true)
            #expect(fields == offer.fields)
            #expect(ReferenceData.occupations[offer.fields.occupation]?.level == 4)
        }
        for participant in data.participants {
            #expect(throws: Never.self) { try Self.asInput(participant.fields, ParticipantInput.self).validated(today: Self.today) }
        }
        // Real places: every employer is in Östergötland, every participant in a member municipality.
        #expect(data.employers.allSatisfy { ReferenceData.municipalities[$0.fields.addresses[0].kommunkod]?.lanCode == "05" })
        #expect(data.participants.allSatisfy { DemoVocabulary.memberMunicipalities.contains($0.fields.homeKommunkod) })
        #expect(Set(data.employers.map(\.number)).count == data.employers.count)
        // Every employer user's employer has an offer to be presented candidates for.
        let employersWithOffers = Set(data.offers.map(\.employerIndex))
        #expect(data.employerUsers.allSatisfy { employersWithOffers.contains($0.employerIndex!) })
    }

    @Test func theSameSeedAndDayGiveTheSameDataAndAnotherSeedOther() throws {
        func fingerprint(_ data: DemoDataSet) throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return try encoder.encode([try encoder.encode(data.employers.map(\.fields)), try encoder.encode(data.offers.map(\.fields)),
                                       try encoder.encode(data.participants.map(\.fields))])
        }
        let one = try fingerprint(DemoDataSet(size: .small, seed: 7, today: Self.today))
        #expect(try fingerprint(DemoDataSet(size: .small, seed: 7, today: Self.today)) == one)
        #expect(try fingerprint(DemoDataSet(size: .small, seed: 8, today: Self.today)) != one)
        let small = DemoDataSet(size: .small, today: Self.today)
        #expect(small.employers.count == 10 && small.offers.count == 30 && small.participants.count == 100)
    }
}
