import Foundation
import Testing
@testable import MatchCore

/// Random sequences of the events users cause, from concurrent clients while the workers run:
/// afterwards `match verify` finds nothing missing or extra.
@Suite("Matching integrity under random events and interleavings", .serialized)
struct MatchingPropertyRaceTests {
    /// The seeds: a fixed count, each a different market and sequence.
    static let seeds = Array(UInt64(1)...UInt64(25))

    /// One user action.
    enum Event: Sendable {
        case openOffer(Int), pauseOffer(Int), reopenOffer(Int), changeOffer(Int, occupation: String, hoursMin: Int)
        case register(Int, consenting: Bool), consent(Int), withdrawConsent(Int)
        case changeParticipant(Int, occupation: String, hours: Int, seeking: Bool)
    }

    static let occupations = ["5120", "9111", "5223", "4110"]

    static func events(seed: UInt64, offers: Int, participants: Int, count: Int) -> [Event] {
        var random = SplitMix64(seed: seed)
        var events: [Event] = []
        for index in 0..<offers { events.append(.openOffer(index)) }
        for index in 0..<participants { events.append(.register(index, consenting: Int.random(in: 0..<5, using: &random) > 0)) }
        for _ in 0..<count {
            let offer = Int.random(in: 0..<offers, using: &random)
            let person = Int.random(in: 0..<participants, using: &random)
            let occupation = occupations.randomElement(using: &random)!
            switch Int.random(in: 0..<7, using: &random) {
            case 0: events.append(.pauseOffer(offer))
            case 1: events.append(.reopenOffer(offer))
            case 2: events.append(.changeOffer(offer, occupation: occupation, hoursMin: Int.random(in: 5...25, using: &random)))
            case 3: events.append(.consent(person))
            case 4: events.append(.withdrawConsent(person))
            default:
                events.append(.changeParticipant(person, occupation: occupation, hours: Int.random(in: 8...30, using: &random),
                                                 seeking: Int.random(in: 0..<6, using: &random) > 0))
            }
        }
        // Shuffled, but an entity's creation stays before its changes: creations go first above.
        let creations = offers + participants
        var later = Array(events[creations...])
        later.shuffle(using: &random)
        return Array(events[..<creations]).shuffled(using: &random) + later
    }

    /// The ids made so far, shared by the clients.
    actor Made {
        var offers: [Int: UUID] = [:]
        var participants: [Int: UUID] = [:]
        func offer(_ index: Int) -> UUID? { offers[index] }
        func participant(_ index: Int) -> UUID? { participants[index] }
        func made(offer index: Int, _ id: UUID) { offers[index] = id }
        func made(participant index: Int, _ id: UUID) { participants[index] = id }
    }

    static func apply(_ event: Event, to market: MatchingHarness, made: Made) async throws {
        switch event {
        case .openOffer(let index):
            let id = try await market.offer(MatchingHarness.offerFields {
                $0.occupation = occupations[index % occupations.count]
                $0.hoursMin = 5 + index * 2
                $0.workplaceLatitude += Double(index) * 0.02
            })
            await made.made(offer: index, id)
        case .pauseOffer(let index):
            if let id = await made.offer(index) { try await market.status(offer: id, .paused) }
        case .reopenOffer(let index):
            if let id = await made.offer(index) { try await market.status(offer: id, .open) }
        case .changeOffer(let index, let occupation, let hoursMin):
            if let id = await made.offer(index) {
                try await market.change(offer: id) {
                    $0.occupation = occupation
                    $0.hoursMin = hoursMin
                }
            }
        case .register(let index, let consenting):
            let id = try await market.register(MatchingHarness.participantFields("E-\(index)") {
                $0.wishedOccupations = [occupations[(index * 3) % occupations.count]]
                $0.hoursPerWeek = 10 + index
                $0.experience = [Experience(occupation: occupations[index % occupations.count], years: index % 4)]
            }, consenting: consenting)
            await made.made(participant: index, id)
        case .consent(let index):
            if let id = await made.participant(index) { try await market.consent(id) }
        case .withdrawConsent(let index):
            if let id = await made.participant(index) { try await market.withdrawConsent(id) }
        case .changeParticipant(let index, let occupation, let hours, let seeking):
            if let id = await made.participant(index) {
                try await market.change(participant: id) {
                    $0.wishedOccupations = [occupation]
                    $0.hoursPerWeek = hours
                    $0.seeking = seeking
                }
            }
        }
    }

    @Test(arguments: seeds)
    func randomEventsLeaveNothingMissingOrExtra(seed: UInt64) async throws {
        try await MatchingHarness.with(matcher: PairMatcher(topPerParticipant: 2, topPerOffer: 2)) { market in
            market.start(concurrency: 4)
            let events = Self.events(seed: seed, offers: 6, participants: 14, count: 40)
            let made = Made()
            // Creations first (later events refer to them), then three clients at once.
            for event in events.prefix(20) { try await Self.apply(event, to: market, made: made) }
            let rest = Array(events.dropFirst(20))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<3 {
                    let mine = rest.enumerated().filter { $0.offset % 3 == client }.map(\.element)
                    group.addTask {
                        for event in mine {
                            do {
                                try await Self.apply(event, to: market, made: made)
                            } catch let error as PostgresError where error.sqlState == SQLState.deadlockDetected {
                                // Two clients' writes may deadlock; the request fails whole, as an API request would.
                            } catch is StoreError {
                                // Refused as the API would refuse it (two clients withdrew one consent): nothing changed.
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await market.settled(), "seed \(seed): matching did not settle")
            let report = try await market.verify()
            #expect(report.holds, "seed \(seed): missing \(report.missing), extra \(report.extra)")
        }
    }
}
