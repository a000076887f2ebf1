import Foundation

/// A pair of a participant and an offer, by their ids: how stores, jobs and `match verify` name
/// a pair without its score.
public struct PairID: Hashable, Sendable, Codable {
    /// The participant.
    public var participantID: UUID
    /// The offer.
    public var offerID: UUID

    /// The pair of `participantID` and `offerID`.
    public init(participantID: UUID, offerID: UUID) {
        self.participantID = participantID
        self.offerID = offerID
    }

    enum CodingKeys: String, CodingKey {
        case participantID = "participant_id", offerID = "offer_id"
    }

    /// Encodes ids in lower case.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeID(participantID, forKey: .participantID)
        try c.encodeID(offerID, forKey: .offerID)
    }
}
