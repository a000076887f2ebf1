import Foundation
import Testing
@testable import MatchCore

@Suite("Matching: constraints and explained scores")
struct PairMatchingTests {
    static let today = CalendarDate(year: 2026, month: 12, day: 1)!
    static let forbund = UUID()

    static func participant(_ change: (inout ParticipantFields) -> Void = { _ in }) -> Participant {
        let linkoping = ReferenceData.municipalities["0580"]!
        var fields = ParticipantFields(
            caseReference: "P", name: nil, responsibleCoordinatorID: nil, seeking: true, homeKommunkod: "0580",
            homeLatitude: linkoping.latitude, homeLongitude: linkoping.longitude, homeCoordinateSource: .municipality,
            maxCommuteKm: 40, maxCommuteMinutes: nil, wishedOccupations: ["5120"], interests: "matlagning och bakning",
            excludedSectors: [], excludedEmployerIDs: [], experience: [Experience(occupation: "5120", years: 2)],
            skills: ["diskning"], informalCompetence: [], languages: [LanguageSkill(language: "sv", level: .b1)], hoursPerWeek: 20,
            availableFrom: nil, adaptationNeeds: [.quietWorkspace], needsHandledare: true, facts: SupportFacts(), gender: .kvinna)
        change(&fields)
        let consent = Consent(id: UUID(), purpose: .matching, givenOn: CalendarDate(year: 2026, month: 1, day: 1)!, withdrawnOn: nil,
                              recordedBy: "test")
        return Participant(forbundID: forbund, id: UUID(), fields: fields, consents: [consent], version: 1, createdAt: Date(),
                           updatedAt: Date())
    }

    static func offer(_ change: (inout OfferFields) -> Void = { _ in }) -> MatchOffer {
        let linkoping = ReferenceData.municipalities["0580"]!
        var fields = OfferFields(
            type: .praktik, occupation: "5120", title: "Kockbiträde", description: "Matlagning i storkök", requiredSkills: ["diskning"],
            wantedSkills: ["bakning"], requiredLanguages: [LanguageSkill(language: "sv", level: .a2)], hoursMin: 10, hoursMax: 30,
            scheduleFlexibility: .some, startDate: CalendarDate(year: 2027, month: 1, day: 10)!, durationMonths: 3, monthlyWage: nil,
            workplaceKommunkod: "0580", workplaceAddress: "", workplaceLatitude: linkoping.latitude + 0.05,
            workplaceLongitude: linkoping.longitude, workplaceCoordinateSource: .address, remotePossible: false,
            handledareAvailable: true, handledareHours: 4, adaptations: [.quietWorkspace, .writtenInstructions], positions: 2,
            supportsCountedOn: [])
        change(&fields)
        let offer = PlacementOffer(forbundID: forbund, id: UUID(), employerID: UUID(), fields: fields, status: .open, version: 1,
                                   createdAt: Date(), updatedAt: Date())
        return MatchOffer(offer: offer, employerSector: .private, hasActiveAgreement: true, successfulPlacements: 1)
    }

    func failures(_ participant: Participant, _ offer: MatchOffer, supports: Set<String> = []) -> [ConstraintFailure] {
        PairConstraints().failures(participant, offer, applyingSupports: supports, today: Self.today)
    }

    /// The bit set keeps the failures' documented order and loses none.
    @Test func failureBitsFollowTheCaseOrder() {
        for (position, failure) in ConstraintFailure.allCases.enumerated() {
            #expect(Int(failure.position) == position)
        }
        let every = ConstraintFailure.allCases.reduce(into: ConstraintFailures()) { $0.insert(.init($1)) }
        #expect(every.list == ConstraintFailure.allCases)
        #expect(every.count == ConstraintFailure.allCases.count)
        #expect(ConstraintFailures([.init(.support), .init(.hours)]).list == [.hours, .support])
    }

    @Test func aFittingPairPassesEveryConstraint() {
        #expect(failures(Self.participant(), Self.offer()) == [])
    }

    @Test func eachConstraintFailsWithItsOwnCode() {
        var withdrawn = Self.participant()
        withdrawn.consents[0].withdrawnOn = CalendarDate(year: 2026, month: 11, day: 1)
        #expect(failures(withdrawn, Self.offer()) == [.noConsent])
        #expect(failures(Self.participant { $0.seeking = false }, Self.offer()) == [.notSeeking])
        var paused = Self.offer()
        paused.offer.status = .paused
        #expect(failures(Self.participant(), paused) == [.offerNotOpen])
        var full = Self.offer()
        full.positionsLeft = 0
        #expect(failures(Self.participant(), full) == [.noPositionsLeft])
        #expect(failures(Self.participant { $0.hoursPerWeek = 8 }, Self.offer()) == [.hours])
        #expect(failures(Self.participant { $0.hoursPerWeek = 8 }, Self.offer { $0.adaptations.append(.stepByStepStart) }) == [],
                "a step-by-step start meets a lower start")
        let far = Self.offer { $0.workplaceLatitude = 59.33; $0.workplaceLongitude = 18.06 }
        #expect(failures(Self.participant(), far) == [.commute])
        #expect(failures(Self.participant(), Self.offer { $0.workplaceLatitude = 59.33; $0.workplaceLongitude = 18.06; $0.remotePossible = true }) == [])
        #expect(failures(Self.participant { $0.maxCommuteKm = nil; $0.maxCommuteMinutes = 5 }, Self.offer()) == [.commute])
        #expect(failures(Self.participant(), Self.offer { $0.requiredLanguages = [LanguageSkill(language: "sv", level: .c1)] }) == [.language])
        #expect(failures(Self.participant(), Self.offer { $0.requiredLanguages = [LanguageSkill(language: "en", level: .a1)] }) == [.language])
        #expect(failures(Self.participant { $0.adaptationNeeds = [.physicalAccessibility] }, Self.offer()) == [.adaptation])
        #expect(failures(Self.participant(), Self.offer { $0.handledareAvailable = false; $0.handledareHours = nil }) == [.handledare])
        #expect(failures(Self.participant { $0.availableFrom = CalendarDate(year: 2027, month: 1, day: 20) }, Self.offer()) == [],
                "within the start slack")
        #expect(failures(Self.participant { $0.availableFrom = CalendarDate(year: 2027, month: 3, day: 1) }, Self.offer()) == [.startDate])
        let nystart = Self.offer { $0.type = .nystartsjobb; $0.monthlyWage = 24_000 }
        #expect(failures(Self.participant(), nystart) == [.support])
        #expect(failures(Self.participant(), nystart, supports: ["nystartsjobb"]) == [])
        let offer = Self.offer()
        #expect(failures(Self.participant { $0.excludedEmployerIDs = [offer.offer.employerID] }, offer) == [.excluded])
        #expect(failures(Self.participant { $0.excludedSectors = [.private] }, offer) == [.excluded])
    }

    @Test func theScoreExplainsEachComponentAndWishesCountByTheSharedPrefix() {
        let scorer = PairScorer()
        let exact = scorer.score(Self.participant(), Self.offer(), waitingDays: 30)
        #expect(exact.components.map(\.name) == ["wished_occupation", "interests", "experience_and_skills", "distance", "hours_fit",
                                                 "flexibility", "employer_relation", "waiting_time"])
        #expect(abs(exact.total - exact.components.map(\.contribution).reduce(0, +)) < 1e-12)
        #expect((0...1).contains(exact.total))
        let wish = exact.components[0]
        #expect(wish.value == 1)
        #expect(wish.sentenceSv.contains("(5120) matchar erbjudandet exakt"))
        let near = scorer.score(Self.participant { $0.wishedOccupations = ["5131"] }, Self.offer(), waitingDays: 30)
        #expect(near.components[0].value == 0.5)
        #expect(near.total < exact.total)
        let waited = scorer.score(Self.participant(), Self.offer(), waitingDays: 170)
        #expect(waited.total > exact.total, "those who waited longest rise")
        #expect(exact.components[2].sentenceSv.contains("diskning"))
    }

    /// Gender is never a feature: flipping it changes no score, bit for bit, over many pairs.
    @Test func flippingGenderChangesNoScore() {
        var generator = SeededGenerator(seed: 42)
        let codes = ReferenceData.occupations.values.filter { $0.level == 4 }.map(\.code).sorted()
        let scorer = PairScorer()
        for _ in 0..<500 {
            let participant = Self.participant {
                $0.wishedOccupations = [codes.randomElement(using: &generator)!]
                $0.hoursPerWeek = Int.random(in: 1...40, using: &generator)
                $0.homeLatitude += Double.random(in: -0.3...0.3, using: &generator)
                $0.gender = .kvinna
            }
            let offer = Self.offer { $0.occupation = codes.randomElement(using: &generator)! }
            let waiting = Int.random(in: 0...400, using: &generator)
            let baseline = scorer.score(participant, offer, waitingDays: waiting)
            for gender in Gender.allCases {
                var flipped = participant
                flipped.fields.gender = gender
                let score = scorer.score(flipped, offer, waitingDays: waiting)
                #expect(score.total.bitPattern == baseline.total.bitPattern)
                #expect(score == baseline)
                #expect(failures(flipped, offer) == failures(participant, offer))
            }
        }
    }
}

/// The tests' seeded generator: the same SplitMix64 the benchmark's market generator uses.
typealias SeededGenerator = SplitMix64

@Suite("Rejection snapshots")
struct RejectionSnapshotTests {
    /// Each reason reopens on a change to its own facts and on nothing else; `other` on any.
    @Test func aRejectionReopensOnlyOnTheFactsItConcerned() {
        let participant = PairMatchingTests.participant()
        let offer = PairMatchingTests.offer().offer
        func holds(_ reason: RejectionReason, _ person: Participant, _ placement: PlacementOffer) -> Bool {
            RejectionSnapshot.stillHolds(reason, stored: RejectionSnapshot.facts(reason, participant: participant, offer: offer),
                                         participant: person, offer: placement)
        }
        var moreHours = participant
        moreHours.fields.hoursPerWeek += 5
        var newLanguage = participant
        newLanguage.fields.languages.append(LanguageSkill(language: "en", level: .b2))
        var handledare = offer
        handledare.fields.handledareHours = 10
        var moved = offer
        moved.fields.workplaceLatitude += 0.2

        for reason in RejectionReason.allCases { #expect(holds(reason, participant, offer), "nothing changed: \(reason)") }
        #expect(!holds(.hours, moreHours, offer))
        #expect(holds(.hours, newLanguage, handledare))
        #expect(!holds(.language, newLanguage, offer))
        #expect(holds(.language, moreHours, moved))
        #expect(!holds(.handledare, participant, handledare))
        #expect(!holds(.commute, participant, moved))
        #expect(holds(.commute, moreHours, handledare))
        for changed in [(moreHours, offer), (newLanguage, offer), (participant, handledare), (participant, moved)] {
            #expect(!holds(.other, changed.0, changed.1))
        }
    }
}
