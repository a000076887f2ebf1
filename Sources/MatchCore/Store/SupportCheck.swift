import Foundation

/// Which supports a participant and an offer are eligible for, read from the stored catalog:
/// what `GET /v1/participants/{id}/supports?offer=` and `matchctl supports check` show.
public enum SupportCheck {
    /// The answer.
    public struct Report: Sendable, Encodable {
        /// The participant.
        public var participantID: UUID
        /// The offer.
        public var offerID: UUID
        /// The start date the rules were read for.
        public var startDate: CalendarDate
        /// Every support in force on that date.
        public var supports: [SupportEvaluator.Verdict]

        enum CodingKeys: String, CodingKey { case participantID = "participant_id", offerID = "offer_id", startDate = "start_date", supports }

        /// Encodes ids in lower case.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeID(participantID, forKey: .participantID)
            try container.encodeID(offerID, forKey: .offerID)
            try container.encode(startDate, forKey: .startDate)
            try container.encode(supports, forKey: .supports)
        }
    }

    /// Evaluates the pair; the participant read is audited. Not found (either one) is `StoreError.notFound`.
    public static func run(forbundID: UUID, participantID: UUID, offerID: UUID, by context: AuditContext,
                           evaluator: SupportEvaluator = SupportEvaluator(), in transaction: PostgresTransaction) async throws -> Report {
        let scope = AccessScope(forbundID: forbundID)
        guard let offer = try await OfferStore().get(scope, id: offerID, on: transaction.connection),
              let employer = try await EmployerStore().get(scope, id: offer.employerID, on: transaction.connection),
              let participant = try await ParticipantStore().get(forbundID: forbundID, id: participantID, by: context, in: transaction)
        else { throw StoreError.notFound }
        let situation = SupportEvaluator.Situation(
            facts: participant.fields.facts, offerType: offer.fields.type, monthlyWage: offer.fields.monthlyWage,
            hoursMax: offer.fields.hoursMax, employerSector: employer.fields.sector, startDate: offer.fields.startDate)
        let definitions = try await SupportCatalogStore().definitions(on: transaction.connection)
        return Report(participantID: participantID, offerID: offerID, startDate: offer.fields.startDate,
                      supports: evaluator.evaluate(definitions, for: situation))
    }
}
