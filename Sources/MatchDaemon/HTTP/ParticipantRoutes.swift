import Foundation
import Hummingbird
import MatchCore

/// `/v1/participants`: coordinators of the participant's own förbund only; every read and write
/// is audited with the caller and the request id.
enum ParticipantRoutes {
    static func add(to api: inout APIRouteBuilder, pool: PostgresPool, evaluator: SupportEvaluator) {
        let store = ParticipantStore()

        api.v1(.get, "/participants") { request, context in
            let (forbundID, audit) = try access(context)
            let page = try request.pageRequest
            let participants = try await pool.withRetriedTransaction { try await store.list(forbundID: forbundID, page: page, by: audit, in: $0) }
            return try APIJSON.response(PageBody(participants))
        }

        api.v1(.post, "/participants") { request, context in
            let (forbundID, audit) = try access(context)
            let body = try await JSONBody<ParticipantInput>(request, context: context)
            let fields = try body.value.validated(today: today())
            return try await WriteTransaction.run(request, context, pool: pool, scope: AccessScope(forbundID: forbundID),
                                                  bodyBytes: body.bytes) { tx in
                let participant = try await store.create(forbundID: forbundID, fields: fields, today: today(), by: audit, in: tx)
                return try WriteResult(participant, status: .created, location: "/v1/participants/\(participant.id.lowercased)",
                                       version: participant.version)
            }
        }

        api.v1(.get, "/participants/{participant_id}") { request, context in
            let (forbundID, audit) = try access(context)
            let id = try request.id("participant_id", context)
            guard let participant = try await pool.withRetriedTransaction({
                try await store.get(forbundID: forbundID, id: id, by: audit, in: $0)
            }) else { throw ReadResponse.notFound() }
            return try ReadResponse.record(participant, version: participant.version, request: request)
        }

        api.v1(.put, "/participants/{participant_id}") { request, context in
            let (forbundID, audit) = try access(context)
            let id = try request.id("participant_id", context)
            let version = try request.ifMatchVersion
            let fields = try await JSONBody<ParticipantInput>(request, context: context).value.validated(today: today())
            let participant = try await pool.withRetriedTransaction {
                try await store.replace(forbundID: forbundID, id: id, fields: fields, ifVersion: version, by: audit, in: $0)
            }
            return try APIJSON.response(participant, headers: [.eTag: ETag.header(participant.version)])
        }

        api.v1(.post, "/participants/{participant_id}/consents") { request, context in
            let (forbundID, audit) = try access(context)
            let id = try request.id("participant_id", context)
            let (purpose, given) = try await JSONBody<ConsentInput>(request, context: context).value.validated(today: today())
            let participant = try await pool.withRetriedTransaction {
                try await store.addConsent(forbundID: forbundID, participantID: id, purpose: purpose, givenOn: given, by: audit, in: $0)
            }
            return try APIJSON.response(participant, status: .created, headers: [.eTag: ETag.header(participant.version)])
        }

        api.v1(.post, "/participants/{participant_id}/consents/{consent_id}/withdraw") { request, context in
            let (forbundID, audit) = try access(context)
            let id = try request.id("participant_id", context)
            let consentID = try request.id("consent_id", context)
            let date = try await JSONBody<ConsentWithdrawal>(request, context: context).value.validated(today: today())
            let participant = try await pool.withRetriedTransaction {
                try await store.withdrawConsent(forbundID: forbundID, participantID: id, consentID: consentID, on: date,
                                                by: audit, in: $0)
            }
            return try APIJSON.response(participant, headers: [.eTag: ETag.header(participant.version)])
        }

        api.v1(.get, "/participants/{participant_id}/supports") { request, context in
            let (forbundID, audit) = try access(context)
            let id = try request.id("participant_id", context)
            guard let offerText = request.uri.queryParameters["offer"].map(String.init), let offerID = UUID(uuidString: offerText) else {
                var errors = FieldErrors()
                errors.add("?offer", rule: "required", "name the offer: ?offer=ID")
                throw APIProblem.badRequest(errors)
            }
            let report = try await pool.withRetriedTransaction { tx in
                try await SupportCheck.run(forbundID: forbundID, participantID: id, offerID: offerID, by: audit, evaluator: evaluator, in: tx)
            }
            return try APIJSON.response(report)
        }
    }

    /// Participant data is for coordinators of the förbund: employers never, operators not in detail.
    static func access(_ context: LotsenRequestContext) throws -> (UUID, AuditContext) {
        let principal = try context.requirePrincipal()
        guard principal.role == .coordinator, let forbundID = principal.forbundID else { throw APIProblem.forbidden }
        return (forbundID, AuditContext(actor: principal.auditName, requestID: context.id))
    }

    static func today() -> CalendarDate {
        CalendarDate.inSweden()
    }
}
