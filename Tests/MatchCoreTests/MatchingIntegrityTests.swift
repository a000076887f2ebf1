import Foundation
import Testing
@testable import MatchCore

/// A gate a matching job waits at (through `MatchingHooks`) until the test opens it.
actor JobGate {
    private var arrived = false
    private var waiting: CheckedContinuation<Void, Never>?
    private var opened = false

    /// Called by the job: marks arrival and waits until opened.
    func pass() async {
        arrived = true
        if opened { return }
        await withCheckedContinuation { waiting = $0 }
    }

    /// Whether a job has arrived.
    var hasArrived: Bool { arrived }

    /// Lets the job go on.
    func open() {
        opened = true
        waiting?.resume()
        waiting = nil
    }
}

/// Hooks that stop the first job of `kind` for `id` at `gate`.
func pausing(_ kind: String, _ id: UUID, at gate: JobGate) -> MatchingHooks {
    let first = FirstTime()
    return MatchingHooks { jobKind, target in
        if jobKind == kind, target.id == id, await first.take() { await gate.pass() }
    }
}

/// True once.
actor FirstTime {
    private var taken = false
    func take() -> Bool {
        defer { taken = true }
        return !taken
    }
}

@Suite("Matching integrity: nobody who could be matched is left out", .serialized)
struct MatchingIntegrityTests {
    /// Participants registered before an offer opened, for whom it is the only offer they pass,
    /// all get it even when they outnumber its top M: it is in each one's top N.
    @Test func theOfferCapLeavesNobodyOut() async throws {
        try await MatchingHarness.with(matcher: PairMatcher(topPerParticipant: 10, topPerOffer: 3)) { market in
            market.start()
            var people: [UUID] = []
            for index in 0..<6 { people.append(try await market.register(MatchingHarness.participantFields("C-\(index)"))) }
            #expect(try await market.settled())
            let offer = try await market.offer(MatchingHarness.offerFields())
            #expect(try await market.settled())
            let proposed = try await market.proposed()
            for person in people { #expect(proposed.contains(.init(participantID: person, offerID: offer)), "participant left out") }
            #expect(try await market.verify().holds)
        }
    }

    /// A participant's job keeps a pair outside their top N when they hold a place in the offer's
    /// top M, and an offer's job keeps a pair outside its top M that is in the participant's top N.
    @Test func eachJobKeepsThePairsOfTheOtherSidesList() async throws {
        try await MatchingHarness.with(matcher: PairMatcher(topPerParticipant: 1, topPerOffer: 1)) { market in
            market.start()
            let exact = try await market.offer(MatchingHarness.offerFields())
            let other = try await market.offer(MatchingHarness.offerFields { $0.occupation = "9111"; $0.title = "Städ" })
            let first = try await market.register(MatchingHarness.participantFields("K-1"))
            #expect(try await market.settled())
            // Alone, the participant is the top 1 of both offers: both pairs are proposed.
            #expect(try await market.proposed() == [.init(participantID: first, offerID: exact), .init(participantID: first, offerID: other)])
            try await market.change(participant: first) { $0.hoursPerWeek = 21 }
            #expect(try await market.settled())
            #expect(try await market.proposed().contains(.init(participantID: first, offerID: other)), "withdrawn by the participant's own job")
            // A second participant who ranks higher on both takes both offers' places; the first keeps
            // only their own top 1.
            let second = try await market.register(MatchingHarness.participantFields("K-2") {
                $0.experience = [Experience(occupation: "5120", years: 5), Experience(occupation: "9111", years: 5)]
                $0.wishedOccupations = ["5120", "9111"]
            })
            #expect(try await market.settled())
            let report = try await market.verify()
            #expect(report.holds, "missing \(report.missing), extra \(report.extra)")
            let proposed = try await market.proposed()
            #expect(proposed.contains(.init(participantID: second, offerID: exact)))
            #expect(proposed.filter { $0.participantID == first }.count == 1)
        }
    }

    /// A place given up in one side's list goes to the next in line, whose pair was not stored:
    /// the job that gave it up enqueues the other side's job, which finds them.
    @Test func aPlaceGivenUpGoesToTheNextInLine() async throws {
        try await MatchingHarness.with(matcher: PairMatcher(topPerParticipant: 1, topPerOffer: 1)) { market in
            market.start()
            let cook = try await market.offer(MatchingHarness.offerFields())
            let cleaner = try await market.offer(MatchingHarness.offerFields { $0.occupation = "9111"; $0.title = "Städ" })
            let first = try await market.register(MatchingHarness.participantFields("N-1") {
                $0.experience = [Experience(occupation: "5120", years: 5)]
            })
            let second = try await market.register(MatchingHarness.participantFields("N-2") {
                $0.wishedOccupations = ["9111"]
                $0.experience = [Experience(occupation: "9111", years: 5)]
            })
            #expect(try await market.settled())
            #expect(try await market.proposed() == [.init(participantID: first, offerID: cook), .init(participantID: second, offerID: cleaner)])
            // The first gives up their place with the cook offer; the second is next in line for it.
            try await market.change(participant: first) { $0.seeking = false }
            #expect(try await market.settled())
            #expect(try await market.proposed().contains(.init(participantID: second, offerID: cook)), "the freed place went to nobody")
            // The cleaner offer leaves the second's top 1 (its hours no longer fit); the cook offer,
            // where a newcomer now holds the offer's place, is theirs by their own top 1.
            try await market.register(MatchingHarness.participantFields("N-3") { $0.experience = [Experience(occupation: "5120", years: 9)] })
            #expect(try await market.settled())
            try await market.change(offer: cleaner) { $0.hoursMin = 35; $0.hoursMax = 40 }
            #expect(try await market.settled())
            let report = try await market.verify()
            #expect(report.holds, "missing \(report.missing), extra \(report.extra)")
            #expect(try await market.proposed().contains(.init(participantID: second, offerID: cook)))
        }
    }

    /// An agreement signed with an employer enters its offers' scores: the offers are rematched,
    /// and no stored score is left stale.
    @Test func anAgreementRematchesTheEmployersOffers() async throws {
        try await MatchingHarness.with { market in
            market.start()
            let offer = try await market.offer(MatchingHarness.offerFields())
            let person = try await market.register(MatchingHarness.participantFields("A-1"))
            #expect(try await market.settled())
            func score() async throws -> Double {
                try await market.pool.query("""
                    SELECT score FROM suggestions WHERE participant_id = \(person) AND offer_id = \(offer) AND state = 'proposed'
                    """)[0].decode(Double.self, "score")
            }
            let before = try await score()
            _ = try await market.pool.withTransaction { tx in
                try await AgreementStore().create(AccessScope(forbundID: market.forbundID), employerID: market.employerID, kind: .cooperation,
                                                  signedOn: CalendarDate(year: 2026, month: 1, day: 1)!, validTo: nil, notes: "", in: tx)
            }
            #expect(try await market.settled())
            #expect(try await score() > before)
            let report = try await market.verify()
            #expect(report.holds && report.staleCount == 0, "\(report.stale)")
        }
    }

    /// Case 2a: a job that read the participant before a consent committed cannot finish after the
    /// consent's job and undo it. The job holds the participant's row, so the consent waits for it
    /// and gets a job of its own that runs after.
    @Test func anOlderJobCannotUndoANewerConsent() async throws {
        try await MatchingHarness.with { market in
            let offer = try await market.offer(MatchingHarness.offerFields())
            let person = try await market.register(MatchingHarness.participantFields("R-1"), consenting: false)
            let gate = JobGate()
            market.start(concurrency: 8, hooks: pausing(MatchingJobs.Participant.name, person, at: gate))
            #expect(await eventually(timeout: .seconds(20)) { await gate.hasArrived })
            let consenting = Task { try await market.consent(person) }
            try await Task.sleep(for: .milliseconds(500))
            let consents = try await market.pool.query("SELECT count(*) AS n FROM participant_consents")[0].decode(Int.self, "n")
            #expect(consents == 0, "the consent committed while the job that read without it still ran")
            await gate.open()
            try await consenting.value
            #expect(try await market.settled())
            #expect(try await market.proposed() == [.init(participantID: person, offerID: offer)])
            let undone = try await market.pool.query("""
                SELECT count(*) AS n FROM suggestion_history WHERE to_state = 'withdrawn'
                """)[0].decode(Int.self, "n")
            #expect(undone == 0)
            #expect(try await market.verify().holds)
        }
    }

    /// Case 2b: a consent merged into the participant's waiting job holds that job until the
    /// consent commits, so the job cannot start on the state before it.
    @Test func aChangeMergedIntoAWaitingJobIsSeenByIt() async throws {
        try await MatchingHarness.with { market in
            let offer = try await market.offer(MatchingHarness.offerFields())
            let person = try await market.register(MatchingHarness.participantFields("W-1"), consenting: false)
            let committed = JobGate()
            let merged = JobGate()
            let consenting = Task {
                try await market.pool.withTransaction { tx in
                    _ = try await ParticipantStore().addConsent(forbundID: market.forbundID, participantID: person, purpose: .matching,
                                                                givenOn: CalendarDate(year: 2026, month: 1, day: 1)!,
                                                                by: MatchingHarness.actor, in: tx)
                    await merged.open()
                    await committed.pass()
                }
            }
            await merged.pass()
            market.start(concurrency: 8)
            // The offer's job runs; the participant's waits for the consent's transaction.
            #expect(try await eventually(timeout: .seconds(20)) {
                try await market.pool.query("SELECT count(*) AS n FROM jobs WHERE kind = 'match.offer' AND state = 'completed'")[0]
                    .decode(Int.self, "n") == 1
            })
            try await Task.sleep(for: .milliseconds(500))
            let waiting = try await market.pool.query("""
                SELECT state::text AS state FROM jobs WHERE kind = 'match.participant' AND unique_key = \("match.participant:" + person.uuidString.lowercased())
                """).map { try $0.decode(String.self, "state") }
            #expect(waiting == ["available"], "the participant's job started before the consent merged into it committed")
            await committed.open()
            try await consenting.value
            #expect(try await market.settled())
            #expect(try await market.proposed() == [.init(participantID: person, offerID: offer)])
        }
    }

    /// Case 3: an offer job that read a participant before their consent was withdrawn re-reads
    /// them under lock before proposing, and never proposes to them.
    @Test func anOfferJobNeverProposesOnAWithdrawnConsent() async throws {
        try await MatchingHarness.with { market in
            let person = try await market.register(MatchingHarness.participantFields("X-1"))
            let bystander = try await market.register(MatchingHarness.participantFields("X-2"))
            _ = try await market.offer(MatchingHarness.offerFields())
            let gate = JobGate()
            // The second offer is created after the runtime starts; the hook learns its id then.
            let secondOffer = SecondOffer()
            market.start(concurrency: 8, hooks: MatchingHooks { kind, target in
                if kind == MatchingJobs.Offer.name, await secondOffer.matches(target.id) { await gate.pass() }
            })
            #expect(try await market.settled())
            let offer = try await market.offer(MatchingHarness.offerFields { $0.title = "Andra" }, status: .draft)
            await secondOffer.set(offer)
            #expect(try await market.status(offer: offer, .open))
            #expect(await eventually(timeout: .seconds(20)) { await gate.hasArrived })
            try await market.withdrawConsent(person)
            await gate.open()
            #expect(try await market.settled())
            let proposedEver = try await market.pool.query("""
                SELECT count(*) AS n FROM suggestion_history h JOIN suggestions s ON s.forbund_id = h.forbund_id AND s.id = h.suggestion_id
                WHERE s.participant_id = \(person) AND s.offer_id = \(offer) AND h.to_state = 'proposed'
                """)[0].decode(Int.self, "n")
            #expect(proposedEver == 0, "proposed to a participant whose consent was withdrawn")
            let proposed = try await market.proposed()
            #expect(!proposed.contains { $0.participantID == person })
            #expect(proposed.contains(.init(participantID: bystander, offerID: offer)))
            #expect(try await market.verify().holds)
        }
    }

    /// `match verify` finds a pair removed and a pair added by hand; the daily rebalance repairs
    /// both by enqueuing match jobs.
    @Test func verifyFindsHandEditsAndTheRebalanceRepairsThem() async throws {
        try await MatchingHarness.with(matcher: PairMatcher(topPerParticipant: 2, topPerOffer: 2)) { market in
            market.start()
            var offers: [UUID] = []
            for index in 0..<3 { offers.append(try await market.offer(MatchingHarness.offerFields { $0.hoursMin = 8 + index })) }
            for index in 0..<4 { try await market.register(MatchingHarness.participantFields("V-\(index)") { $0.hoursPerWeek = 15 + index }) }
            let outsider = try await market.register(MatchingHarness.participantFields("V-x"), consenting: false)
            #expect(try await market.settled())
            #expect(try await market.verify().holds)
            let removed = try #require(try await market.proposed().sorted(by: MatchingVerifier.idOrder).first)
            try await market.pool.execute("""
                DELETE FROM suggestions WHERE participant_id = \(removed.participantID) AND offer_id = \(removed.offerID)
                """)
            try await market.pool.execute("""
                INSERT INTO suggestions (forbund_id, participant_id, offer_id, score, components, supports, weights)
                VALUES (\(market.forbundID), \(outsider), \(offers[0]), 0.5, '[]', '[]', '{}')
                """)
            let found = try await market.verify()
            #expect(found.missing == [removed])
            #expect(found.extra == [.init(participantID: outsider, offerID: offers[0])])
            #expect(!found.holds)
            _ = try await MarketRebalanceWorker(pool: market.pool, matcher: market.matcher)
                .work(.init(), context: MatchingHarness.context(kind: MarketRebalanceJob.name))
            #expect(try await market.settled())
            let repaired = try await market.verify()
            #expect(repaired.holds, "missing \(repaired.missing), extra \(repaired.extra)")
        }
    }
}

/// The id of an offer created after the runtime started.
actor SecondOffer {
    private var id: UUID?
    func set(_ id: UUID) { self.id = id }
    func matches(_ other: UUID) -> Bool { id == other }
}
