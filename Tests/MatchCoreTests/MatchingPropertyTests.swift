import Foundation
import PropertyBased
import Synchronization
import Testing
@testable import MatchCore

@Suite("Matching properties")
struct MatchingPropertyTests {
    /// A market from generated numbers: capacities per offer, and a weight cell per pair (negative: no edge).
    static func market(_ capacities: [Int], _ cells: [Int]) -> (participants: Int, edges: [MarketAssignment.Edge]) {
        let offers = capacities.count
        let participants = max(1, cells.count / offers)
        var edges: [MarketAssignment.Edge] = []
        for (index, weight) in cells.prefix(participants * offers).enumerated() where weight >= 0 {
            edges.append(.init(participant: index / offers, offer: index % offers, weight: weight))
        }
        return (participants, edges)
    }

    @Test func theAssignmentNeverExceedsPositionsNorGivesAnyoneTwoOffersAndIsOptimal() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...3).array(of: 1...4), Gen.int(in: -400...1_000).array(of: 1...24)) {
            capacities, cells in
            let (participants, edges) = Self.market(capacities, cells)
            let chosen = MarketAssignment.solve(participants: participants, capacities: capacities, edges: edges).map { edges[$0] }
            #expect(Set(chosen.map(\.participant)).count == chosen.count)
            for (offer, capacity) in capacities.enumerated() { #expect(chosen.filter { $0.offer == offer }.count <= capacity) }
            #expect(chosen.map(\.weight).reduce(0, +) == MarketAssignmentTests.bruteForce(participants, capacities, edges))
            let again = MarketAssignment.solve(participants: participants, capacities: capacities, edges: edges).map { edges[$0] }
            #expect(again == chosen, "the same market gives the same assignment")
        }
    }

    @Test func noSuggestionBreaksAConstraintAndMatchingIsDeterministic() async {
        let codes = ReferenceData.occupations.values.filter { $0.level == 4 }.map(\.code).sorted()
        let catalog = try! SupportCatalogParser.parseCatalog(SeedSupportCatalog.data).map(\.definition)
        await propertyCheck(count: 60, input: Gen.int(in: 0...Int(Int32.max)), Gen.int(in: 1...40), Gen.int(in: 0...12)) {
            seed, hours, offerCount in
            var generator = SeededGenerator(seed: UInt64(seed))
            let participant = PairMatchingTests.participant {
                $0.hoursPerWeek = hours
                $0.wishedOccupations = [codes.randomElement(using: &generator)!]
                $0.needsHandledare = Bool.random(using: &generator)
                $0.adaptationNeeds = Array(Adaptation.allCases.shuffled(using: &generator).prefix(Int.random(in: 0...2, using: &generator)))
                $0.facts = SupportFacts(birthYear: Int.random(in: 1960...2005, using: &generator),
                                        monthsAwayLast9: Int.random(in: 0...9, using: &generator))
            }
            let offers = (0..<offerCount).map { _ in
                PairMatchingTests.offer {
                    $0.occupation = codes.randomElement(using: &generator)!
                    $0.type = PlacementType.allCases.randomElement(using: &generator)!
                    $0.monthlyWage = OfferInput.paidTypes.contains($0.type) ? 24_000 : nil
                    $0.hoursMin = Int.random(in: 1...30, using: &generator)
                    $0.hoursMax = max($0.hoursMin, 30)
                    $0.handledareAvailable = Bool.random(using: &generator)
                    $0.adaptations = Array(Adaptation.allCases.shuffled(using: &generator).prefix(Int.random(in: 0...6, using: &generator)))
                    $0.workplaceLatitude += Double.random(in: -0.5...0.5, using: &generator)
                }
            }
            let matcher = PairMatcher()
            let result = matcher.match(participant, offers: offers, supports: catalog, today: PairMatchingTests.today, waitingDays: 10)
            for pair in result.suggestions {
                let offer = offers.first { $0.offer.id == pair.offerID }!
                #expect(PairConstraints().failures(participant, offer, applyingSupports: Set(pair.supports.map(\.code)),
                                                   today: PairMatchingTests.today) == [])
                #expect((0...1).contains(pair.score.total))
            }
            #expect(zip(result.suggestions, result.suggestions.dropFirst()).allSatisfy { $0.score.total >= $1.score.total })
            let again = matcher.match(participant, offers: offers, supports: catalog, today: PairMatchingTests.today, waitingDays: 10)
            #expect(again.suggestions == result.suggestions)
            #expect(again.nearMisses == result.nearMisses)
        }
    }
}

@Suite("The offer index")
struct OfferIndexTests {
    static let catalog = try! SupportCatalogParser.parseCatalog(SeedSupportCatalog.data).map(\.definition)

    /// Matching through the index gives what scanning every offer gives, near misses included;
    /// a sparse market makes sure many participants have no suggestion and get near misses.
    @Test func theIndexChangesNoSuggestion() async {
        let withoutSuggestion = Mutex(0)
        await propertyCheck(count: 12, input: Gen.int(in: 0...Int(Int32.max)), Gen.int(in: 20...400)) { seed, offerCount in
            var generator = MarketGenerator(seed: UInt64(seed))
            let offers = generator.offers(offerCount)
            let index = OfferIndex(offers)
            for participant in generator.participants(15) {
                let scanned = PairMatcher().match(participant, offers: offers, supports: Self.catalog, today: PairMatchingTests.today,
                                                  waitingDays: 5)
                let indexed = PairMatcher().match(participant, index: index, supports: Self.catalog, today: PairMatchingTests.today,
                                                  waitingDays: 5)
                let everyOffer = PairMatcher().matchScanningEveryOffer(participant, index: index, supports: Self.catalog,
                                                                       today: PairMatchingTests.today, waitingDays: 5)
                #expect(indexed.suggestions == scanned.suggestions)
                #expect(indexed.nearMisses == scanned.nearMisses)
                #expect(everyOffer == indexed)
                if indexed.suggestions.isEmpty {
                    withoutSuggestion.withLock { $0 += 1 }
                    #expect(indexed.nearMisses == Self.bruteForceNearMisses(participant, offers))
                }
            }
        }
        #expect(withoutSuggestion.withLock { $0 } > 5, "the markets leave some participants without a suggestion")
    }

    /// The nearest misses by their definition: every offer checked, sorted by the number of failed
    /// constraints, then distance (remote as 0), then id.
    static func bruteForceNearMisses(_ participant: Participant, _ offers: [MatchOffer]) -> [NearMiss] {
        let constraints = PairConstraints()
        let evaluator = SupportEvaluator()
        return offers.map { offer -> (NearMiss, Double) in
            let situation = SupportEvaluator.Situation(
                facts: participant.fields.facts, offerType: offer.offer.fields.type, monthlyWage: offer.offer.fields.monthlyWage,
                hoursMax: offer.offer.fields.hoursMax, employerSector: offer.employerSector, startDate: offer.offer.fields.startDate)
            let applying = Set(evaluator.evaluate(catalog, for: situation).filter(\.applies).map(\.code))
            let failures = constraints.failures(participant, offer, applyingSupports: applying, today: PairMatchingTests.today)
            return (NearMiss(offerID: offer.offer.id, failures: failures),
                    offer.offer.fields.remotePossible ? 0 : constraints.distanceKm(participant, offer))
        }
        .sorted { ($0.0.failures.count, $0.1, $0.0.offerID.uuidString) < ($1.0.failures.count, $1.1, $1.0.offerID.uuidString) }
        .prefix(3).map(\.0)
    }

    /// An index changed offer by offer (some removed, some moved or edited, some added) matches
    /// like one built afresh from the offers it ends with.
    @Test func anIndexKeptInStepMatchesAFreshOne() async {
        await propertyCheck(count: 10, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            var generator = MarketGenerator(seed: UInt64(seed))
            var offers = generator.offers(300)
            var index = OfferIndex(offers)
            let extra = generator.offers(50)
            var random = SeededGenerator(seed: UInt64(seed))
            for (position, offer) in offers.enumerated().shuffled(using: &random).prefix(120) {
                if Bool.random(using: &random) {
                    index.remove(offer.offer.id)
                    offers[position].positionsLeft = -1
                } else {
                    var moved = offer
                    moved.offer.fields.workplaceLatitude += Double.random(in: -1...1, using: &random)
                    moved.offer.fields.remotePossible.toggle()
                    moved.offer.fields.hoursMin = Int.random(in: 1...moved.offer.fields.hoursMax, using: &random)
                    index.upsert(moved)
                    offers[position] = moved
                }
            }
            for offer in extra { index.upsert(offer) }
            let final = offers.filter { $0.positionsLeft >= 0 } + extra
            let fresh = OfferIndex(final)
            #expect(index.count == final.count)
            #expect(Set(index.offers.map(\.offer.id)) == Set(final.map(\.offer.id)))
            for participant in generator.participants(20) {
                let kept = PairMatcher().match(participant, index: index, supports: Self.catalog, today: PairMatchingTests.today,
                                               waitingDays: 5)
                let rebuilt = PairMatcher().match(participant, index: fresh, supports: Self.catalog, today: PairMatchingTests.today,
                                                  waitingDays: 5)
                #expect(kept == rebuilt)
            }
        }
    }
}

@Suite("Support eligibility without explanations")
struct SupportHoldsTests {
    /// The short-circuit check the constraints use says what the full evaluator says, for every
    /// support of the seed catalog over random facts and offers.
    @Test func applyingCodesAgreeWithTheVerdicts() async {
        let catalog = OfferIndexTests.catalog
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            var random = SeededGenerator(seed: UInt64(seed))
            func maybe<T>(_ value: T) -> T? { Bool.random(using: &random) ? value : nil }
            let facts = SupportFacts(
                birthYear: maybe(Int.random(in: 1955...2008, using: &random)),
                monthsAwayLast9: maybe(Int.random(in: 0...9, using: &random)),
                monthsAwayLast15: maybe(Int.random(in: 0...15, using: &random)),
                registeredAtAFSince: maybe(CalendarDate(year: Int.random(in: 2018...2026, using: &random), month: 1, day: 1)!),
                inJobGuarantee: maybe(Bool.random(using: &random)),
                disabilityReducedCapacity: maybe(Bool.random(using: &random)),
                assessedCapacityPercent: maybe(Int.random(in: 0...100, using: &random)),
                newArrivalSince: maybe(CalendarDate(year: Int.random(in: 2015...2026, using: &random), month: 6, day: 1)!),
                hogriskskydd: maybe(Bool.random(using: &random)))
            let situation = SupportEvaluator.Situation(
                facts: facts, offerType: PlacementType.allCases.randomElement(using: &random)!,
                monthlyWage: maybe(Int.random(in: 15_000...40_000, using: &random)), hoursMax: Int.random(in: 10...40, using: &random),
                employerSector: EmployerSector.allCases.randomElement(using: &random)!,
                startDate: CalendarDate(year: 2026, month: Int.random(in: 1...12, using: &random), day: 1)!)
            let evaluator = SupportEvaluator()
            #expect(evaluator.applyingCodes(catalog, for: situation)
                    == Set(evaluator.evaluate(catalog, for: situation).filter(\.applies).map(\.code)))
        }
    }
}
