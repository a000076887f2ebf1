import Testing
@testable import MatchCore

@Suite("Organisationsnummer and reference data")
struct ReferenceDataTests {
    // Arbetsförmedlingen, Försäkringskassan, Skatteverket, Linköpings kommun, Region Östergötland.
    static let publicBodies = ["202100-2114", "202100-5521", "202100-5448", "212000-0449", "232100-0040"]

    @Test(arguments: publicBodies)
    func realNumbersAreAcceptedInEveryForm(_ number: String) throws {
        let compact = number.replacingOccurrences(of: "-", with: "")
        #expect(try Organisationsnummer(number).digits == compact)
        #expect(try Organisationsnummer(compact).digits == compact)
        #expect(try Organisationsnummer("16" + compact).digits == compact)
        #expect(try Organisationsnummer("16" + number).description == number)
    }

    @Test(arguments: publicBodies)
    func aChangedLastDigitIsRejected(_ number: String) {
        let last = Int(String(number.last!))!
        let changed = String(number.dropLast()) + String((last + 1) % 10)
        #expect(throws: Organisationsnummer.Problem.checkDigit) { try Organisationsnummer(changed) }
    }

    @Test func otherRules() {
        #expect(throws: Organisationsnummer.Problem.format) { try Organisationsnummer("20210-02114") }
        #expect(throws: Organisationsnummer.Problem.format) { try Organisationsnummer("2021002114x") }
        #expect(throws: Organisationsnummer.Problem.format) { try Organisationsnummer("172021002114") }
        // 811228-9874 is a valid personnummer: its third digit is 1.
        #expect(throws: Organisationsnummer.Problem.thirdDigit) { try Organisationsnummer("811228-9874") }
    }

    @Test func referenceDataIsComplete() {
        #expect(ReferenceData.municipalities.count == 290)
        #expect(ReferenceData.municipalities["0580"]?.name == "Linköping")
        #expect(ReferenceData.municipalities["0513"]?.name == "Kinda")
        let counts = Dictionary(grouping: ReferenceData.occupations.values, by: \.level).mapValues(\.count)
        // SCB's list, with 443 Förtroendevalda that JobTech lacks (see SOURCES.md).
        #expect(counts == [1: 10, 2: 46, 3: 148, 4: 429])
        #expect(ReferenceData.occupationGroup("5321") != nil)
        #expect(ReferenceData.occupationGroup("532") == nil)
        #expect(ReferenceData.occupationGroup("9999") == nil)
        #expect(ReferenceData.occupationNames.count > 3000)
        #expect(ReferenceData.occupationNames.allSatisfy { !$0.scbCodes.isEmpty })
        let chef = ReferenceData.occupationNames.first { $0.ssyk == "1210" }
        #expect(chef?.scbCodes == ["1211", "1212"])
    }
}
