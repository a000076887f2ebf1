import Foundation
import PropertyBased
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
    /// Matching through the index gives what scanning every offer gives.
    @Test func theIndexChangesNoSuggestion() async {
        let catalog = try! SupportCatalogParser.parseCatalog(SeedSupportCatalog.data).map(\.definition)
        await propertyCheck(count: 12, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            var generator = MarketGenerator(seed: UInt64(seed))
            let offers = generator.offers(400)
            let index = OfferIndex(offers)
            for participant in generator.participants(15) {
                let scanned = PairMatcher().match(participant, offers: offers, supports: catalog, today: PairMatchingTests.today,
                                                  waitingDays: 5)
                let indexed = PairMatcher().match(participant, index: index, supports: catalog, today: PairMatchingTests.today,
                                                  waitingDays: 5)
                #expect(indexed.suggestions == scanned.suggestions)
                #expect(indexed.nearMisses == scanned.nearMisses)
            }
        }
    }
}
