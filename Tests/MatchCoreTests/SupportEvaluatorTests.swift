import Foundation
import Testing
@testable import MatchCore

@Suite("Financial supports: the catalog and the evaluator")
struct SupportEvaluatorTests {
    static let catalog = try! SupportCatalogParser.parseCatalog(SeedSupportCatalog.data).map(\.definition)
    static let start = CalendarDate(year: 2026, month: 3, day: 1)!

    func verdict(_ code: String, _ facts: SupportFacts, type: PlacementType = .nystartsjobb, wage: Int? = 22_000,
                 hours: Int = 40, sector: EmployerSector = .private) throws -> SupportEvaluator.Verdict {
        let situation = SupportEvaluator.Situation(facts: facts, offerType: type, monthlyWage: wage, hoursMax: hours,
                                                   employerSector: sector, startDate: Self.start)
        return try #require(SupportEvaluator().evaluate(Self.catalog, for: situation).first { $0.code == code })
    }

    @Test func aYoungPersonAwaySevenOfNineMonthsGetsNystartsjobbForAYear() throws {
        let result = try verdict("nystartsjobb", SupportFacts(birthYear: 2003, monthsAwayLast9: 7, monthsAwayLast15: 7))
        #expect(result.applies)
        #expect(result.maxDurationMonths == 12)
        // 31.42 % of the wage up to 20 000 kr.
        #expect(result.estimatedMonthlyAmount == 6_284)
        #expect(result.failures.isEmpty)
    }

    @Test func aThirtyYearOldAwayTenOfFifteenMonthsIsNotEligibleAndTheFailureSaysWhy() throws {
        let result = try verdict("nystartsjobb", SupportFacts(birthYear: 1996, monthsAwayLast9: 8, monthsAwayLast15: 10))
        #expect(!result.applies)
        #expect(result.estimatedMonthlyAmount == nil)
        #expect(result.failures.map(\.condition) == ["participant.months_away_last_15 >= 12"])
        #expect(result.failures.first?.actual == "10")
        #expect(result.failures.first?.path == "rule.all[2].any[1].all[1]")
    }

    @Test func durationsFollowAgeAndNewArrivalsQualifyWithoutTheTimeAway() throws {
        #expect(try verdict("nystartsjobb", SupportFacts(birthYear: 1990, monthsAwayLast15: 13)).maxDurationMonths == 24)
        #expect(try verdict("nystartsjobb", SupportFacts(birthYear: 1966, monthsAwayLast15: 15)).maxDurationMonths == 48)
        let arrived = try verdict("nystartsjobb", SupportFacts(birthYear: 1990, monthsAwayLast15: 2,
                                                               newArrivalSince: CalendarDate(year: 2024, month: 6, day: 1)))
        #expect(arrived.applies)
        let unknown = try verdict("nystartsjobb", SupportFacts())
        #expect(!unknown.applies)
        #expect(unknown.failures.first?.actual == nil)
        #expect(unknown.failures.first?.message.contains("not recorded") == true)
    }

    @Test func lonebidragFollowsAssessedCapacityAndOnlyForItsPlacementType() throws {
        let facts = SupportFacts(birthYear: 1980, registeredAtAFSince: CalendarDate(year: 2025, month: 1, day: 10),
                                 disabilityReducedCapacity: true, assessedCapacityPercent: 50)
        let paid = try verdict("lonebidrag", facts, type: .lonestod, wage: 26_000)
        #expect(paid.applies)
        #expect(paid.estimatedMonthlyAmount == 10_000, "half of the 20 000 kr ceiling")
        let partTime = try verdict("lonebidrag", facts, type: .lonestod, wage: 15_000, hours: 20)
        #expect(partTime.estimatedMonthlyAmount == 5_000, "half of the ceiling scaled to 20 of 40 hours")
        let wrongType = try verdict("lonebidrag", facts, type: .praktik, wage: nil)
        #expect(!wrongType.applies)
        #expect(wrongType.failures.map(\.condition) == ["offer.type == \"lonestod\""])
        let noWage = try verdict("hjalpmedel_arbetsplats", facts, type: .osubventionerad, wage: nil)
        #expect(noWage.yearlyMaximum == 100_000)
        let osa = try verdict("osa", facts, type: .osa, sector: .private)
        #expect(osa.failures.map(\.condition) == ["employer.sector == \"public\""])
    }

    @Test func onlyTheVersionValidOnTheStartDateIsUsed() throws {
        var old = Self.catalog.first { $0.code == "introduktionsjobb" }!
        old.validFrom = CalendarDate(year: 2020, month: 1, day: 1)!
        old.validTo = CalendarDate(year: 2024, month: 12, day: 31)!
        old.amount = .percentOfWage(percent: 50, fullTimeWageCeiling: 20_000)
        let situation = SupportEvaluator.Situation(facts: SupportFacts(birthYear: 1990, inJobGuarantee: true),
                                                   offerType: .introduktionsjobb, monthlyWage: 20_000, hoursMax: 40,
                                                   employerSector: .private, startDate: Self.start)
        let verdicts = SupportEvaluator().evaluate(Self.catalog + [old], for: situation).filter { $0.code == "introduktionsjobb" }
        #expect(verdicts.count == 1)
        #expect(verdicts.first?.estimatedMonthlyAmount == 16_000)
        #expect(verdicts.first?.versionValidFrom == CalendarDate(year: 2025, month: 1, day: 1))
    }

    @Test(arguments: [
        (#"{"supports": [{"code": "x"}]}"#, "supports[0].name_sv: is required"),
        (#"{"supports": [BROKEN"#, "$: is not valid JSON"),
        (#"{"fact": "participant.shoe_size", "op": "==", "value": 42}"#, "supports[0].rule.fact: \"participant.shoe_size\" is not a known fact"),
        (#"{"fact": "participant.age_at_start", "op": "~", "value": 42}"#, "supports[0].rule.op: must be one of"),
        (#"{"all": [{"fact": "participant.age_at_start", "op": ">=", "value": "old"}]}"#, "supports[0].rule.all[0].value: must be a whole number"),
        (#"{"any": []}"#, "supports[0].rule.any: must be a non-empty array of conditions"),
        (#"{"fact": "offer.type", "op": ">", "value": "praktik"}"#, "supports[0].rule.op: > compares numbers"),
        (#"{"fact": "offer.type", "op": "==", "value": "praktik", "extra": 1}"#, "supports[0].rule.extra: is not a known key"),
    ])
    func aBrokenCatalogIsRefusedNamingThePlace(_ file: String, _ expected: String) {
        let base = #"{"code": "x", "name_sv": "X", "name_en": "X", "agency": "AF", "recipient": "employer", "valid_from": "2025-01-01", "source": "https://example.se", "amount": {"kind": "none"}, "rule": "#
        // A case is a whole file, or a rule to put into an otherwise valid support.
        let source = file.hasPrefix(#"{"supports""#) ? file : #"{"supports": ["# + base + file + "}]}"
        do {
            _ = try SupportCatalogParser.parseCatalog(Data(source.utf8))
            Issue.record("the catalog was accepted")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func theSeedCatalogParses() throws {
        let entries = try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data)
        #expect(entries.count == 8)
        for entry in entries {
            #expect(try SupportCatalogParser.parseDefinition(entry.json) == entry.definition)
        }
    }
}
