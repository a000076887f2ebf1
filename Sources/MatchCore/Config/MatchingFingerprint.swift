import Crypto
import Foundation

extension LotsenConfiguration {
    /// Every setting that changes which suggestions matching makes or how they score, as one
    /// canonical text: the constraints, the weights, the list lengths and the supports' default wage.
    /// Stored suggestions were made with them, so every daemon of an installation must share them.
    public var matchingSettingsText: String {
        let c = matching.constraints, w = matching.weights
        return [
            "matching.detour_factor=\(c.detourFactor)", "matching.commute_speed_kmh=\(c.commuteSpeedKmh)",
            "matching.start_slack_days=\(c.startSlackDays)", "matching.default_max_commute_km=\(c.defaultMaxCommuteKm)",
            "matching.weight_wished_occupation=\(w.wishedOccupation)", "matching.weight_interests=\(w.interests)",
            "matching.weight_experience_and_skills=\(w.experienceAndSkills)", "matching.weight_distance=\(w.distance)",
            "matching.weight_hours_fit=\(w.hoursFit)", "matching.weight_flexibility=\(w.flexibility)",
            "matching.weight_employer_relation=\(w.employerRelation)", "matching.weight_waiting_time=\(w.waitingTime)",
            "matching.top_per_participant=\(matching.topPerParticipant)", "matching.top_per_offer=\(matching.topPerOffer)",
            "supports.default_monthly_wage=\(supports.defaultMonthlyWage)",
        ].joined(separator: "\n")
    }

    /// The first 16 hex digits of the SHA-256 of `matchingSettingsText`: what daemons report and
    /// `matchctl doctor` compares.
    public var matchingFingerprint: String {
        SHA256.hash(data: Data(matchingSettingsText.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
