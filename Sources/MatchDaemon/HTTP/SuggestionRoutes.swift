import Foundation
import Hummingbird
import MatchCore

/// `/v1/suggestions`: the matching's proposals with their reasons and supports, and the review
/// actions on them (see `SuggestionState`); coordinators of the förbund only. A suggestion speaks
/// of a participant, so reading one is an audited read.
enum SuggestionRoutes {
    /// The action routes and what each does.
    static let actions: [(path: String, action: ReviewAction)] = [
        ("approve", .approve), ("reject", .reject), ("present", .present), ("contacted", .contacted),
        ("employer-answer", .employerAnswer),
    ]

    static func add(to api: inout APIRouteBuilder, pool: PostgresPool) {
        let store = SuggestionStore()

        api.v1(.get, "/suggestions") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let page = try request.pageRequest
            let filter = try filter(request)
            let suggestions = try await pool.withRetriedTransaction { tx in
                let page = try await store.list(forbundID: forbundID, filter: filter, page: page, on: tx.connection)
                try await AuditLog().recordReads(of: Set(page.items.map(\.participantID)), forbundID: forbundID, context: audit, in: tx)
                return page
            }
            return try APIJSON.response(PageBody(suggestions))
        }

        api.v1(.get, "/suggestions/{suggestion_id}") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let id = try request.id("suggestion_id", context)
            guard let suggestion = try await pool.withRetriedTransaction({ tx -> SuggestionStore.Stored? in
                guard let found = try await store.get(forbundID: forbundID, id: id, on: tx.connection) else { return nil }
                try await AuditLog().recordReads(of: [found.participantID], forbundID: forbundID, context: audit, in: tx)
                return found
            }) else { throw ReadResponse.notFound() }
            return try ReadResponse.record(suggestion, version: suggestion.version, request: request)
        }

        api.v1(.get, "/suggestions/{suggestion_id}/history") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let id = try request.id("suggestion_id", context)
            guard let history = try await pool.withRetriedTransaction({ tx -> [SuggestionReview.HistoryEntry]? in
                guard let found = try await store.get(forbundID: forbundID, id: id, on: tx.connection) else { return nil }
                try await AuditLog().recordReads(of: [found.participantID], forbundID: forbundID, context: audit, in: tx)
                return try await SuggestionReview().history(forbundID: forbundID, id: id, on: tx.connection)
            }) else { throw ReadResponse.notFound() }
            return try APIJSON.response(HistoryBody(items: history))
        }

        for (path, action) in actions {
            api.v1(.post, "/suggestions/{suggestion_id}/\(path)") { request, context in
                let (forbundID, audit) = try ParticipantRoutes.access(context)
                let id = try request.id("suggestion_id", context)
                let version = try request.ifMatchVersion
                let body = try await JSONBody<ReviewInput>(request, context: context, emptyIsObject: true)
                let input = try body.value.validated(for: action)
                let presenter = try context.requirePrincipal().userID
                return try await WriteTransaction.run(request, context, pool: pool, scope: AccessScope(forbundID: forbundID),
                                                      bodyBytes: body.bytes) { tx in
                    let suggestion = try await perform(action, input, id: id, forbundID: forbundID, ifVersion: version,
                                                       presenter: presenter, by: audit, in: tx)
                    return try WriteResult(suggestion, version: suggestion.version)
                }
            }
        }
    }

    /// Runs one review action in `tx`.
    static func perform(_ action: ReviewAction, _ input: ReviewInput.Checked, id: UUID, forbundID: UUID, ifVersion: Int?,
                        presenter: UUID?, by audit: AuditContext, in tx: PostgresTransaction) async throws -> SuggestionStore.Stored {
        let review = SuggestionReview()
        switch action {
        case .approve:
            return try await review.approve(forbundID: forbundID, id: id, ifVersion: ifVersion, note: input.note, by: audit, in: tx)
        case .reject:
            return try await review.reject(forbundID: forbundID, id: id, ifVersion: ifVersion, reason: input.reason ?? .other,
                                           note: input.note, by: audit, in: tx)
        case .present:
            return try await review.present(forbundID: forbundID, id: id, ifVersion: ifVersion, disclosedSupports: input.disclosedSupports,
                                            note: input.note, presenter: presenter, today: ParticipantRoutes.today(), by: audit, in: tx)
        case .contacted:
            return try await review.recordContact(forbundID: forbundID, id: id, ifVersion: ifVersion, note: input.note, by: audit, in: tx)
        case .employerAnswer:
            return try await review.recordEmployerAnswer(AccessScope(forbundID: forbundID), id: id, ifVersion: ifVersion,
                                                         interested: input.interested ?? false, note: input.note, by: audit, in: tx)
        }
    }

    struct HistoryBody: Encodable {
        var items: [SuggestionReview.HistoryEntry]
    }

    static func filter(_ request: Request) throws -> SuggestionStore.Filter {
        var errors = FieldErrors()
        var filter = SuggestionStore.Filter()
        let query = request.uri.queryParameters
        if let state = query["state"].map(String.init) {
            if SuggestionState(rawValue: state) != nil { filter.state = state } else {
                errors.add("?state", rule: "enum", "must be one of: \(SuggestionState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        filter.participantID = request.queryID("participant", &errors)
        filter.offerID = request.queryID("offer", &errors)
        filter.coordinatorID = request.queryID("coordinator", &errors)
        filter.recommended = request.queryBool("recommended", &errors)
        if !errors.entries.isEmpty { throw APIProblem.badRequest(errors) }
        return filter
    }
}
