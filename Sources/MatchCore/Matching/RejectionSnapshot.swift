import Foundation

/// The facts a rejection concerned, as they were: stored with the rejection, and compared with the
/// same facts now to decide whether the pair may be suggested again. Pure.
public enum RejectionSnapshot {
    /// The facts of `participant` and `offer` that `reason` concerns, each as canonical JSON text.
    public static func facts(_ reason: RejectionReason, participant: Participant, offer: PlacementOffer) -> [String: String] {
        let person = participant.fields
        let fields = offer.fields
        var facts: [String: String] = [:]
        func put<T: Encodable>(_ name: String, _ value: T) { facts[name] = canonical(value) }
        switch reason {
        case .hours:
            put("participant.hours_per_week", person.hoursPerWeek)
            put("offer.hours_min", fields.hoursMin)
            put("offer.hours_max", fields.hoursMax)
            put("offer.step_by_step_start", fields.adaptations.contains(.stepByStepStart))
        case .commute:
            put("participant.home", [person.homeLatitude, person.homeLongitude])
            put("participant.max_commute_km", person.maxCommuteKm)
            put("participant.max_commute_minutes", person.maxCommuteMinutes)
            put("offer.workplace", [fields.workplaceLatitude, fields.workplaceLongitude])
            put("offer.remote_possible", fields.remotePossible)
        case .language:
            put("participant.languages", person.languages.sorted { $0.language < $1.language })
            put("offer.required_languages", fields.requiredLanguages.sorted { $0.language < $1.language })
        case .adaptation:
            put("participant.adaptation_needs", person.adaptationNeeds.map(\.rawValue).sorted())
            put("offer.adaptations", fields.adaptations.map(\.rawValue).sorted())
        case .handledare:
            put("participant.needs_handledare", person.needsHandledare)
            put("offer.handledare_available", fields.handledareAvailable)
            put("offer.handledare_hours", fields.handledareHours)
        case .startDate:
            put("participant.available_from", person.availableFrom)
            put("offer.start_date", fields.startDate)
        case .skills:
            put("participant.skills", person.skills.sorted())
            put("participant.informal_competence", person.informalCompetence.map(\.description).sorted())
            put("participant.experience", person.experience.map { "\($0.occupation):\($0.years)" }.sorted())
            put("offer.required_skills", fields.requiredSkills.sorted())
            put("offer.wanted_skills", fields.wantedSkills.sorted())
        case .occupation:
            put("participant.wished_occupations", person.wishedOccupations.sorted())
            put("participant.interests", person.interests)
            put("offer.occupation", fields.occupation)
            put("offer.title", fields.title)
        case .participantDeclined, .employerDeclined, .timing, .other:
            for specific in RejectionReason.allCases where specific.concernsNamedFacts {
                facts.merge(Self.facts(specific, participant: participant, offer: offer)) { a, _ in a }
            }
            put("offer.type", fields.type)
            put("offer.description", fields.description)
        }
        return facts
    }

    /// Whether a rejection stored with `stored` still holds: none of its facts has changed.
    public static func stillHolds(_ reason: RejectionReason, stored: [String: String], participant: Participant,
                                  offer: PlacementOffer) -> Bool {
        facts(reason, participant: participant, offer: offer) == stored
    }

    private static func canonical<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
