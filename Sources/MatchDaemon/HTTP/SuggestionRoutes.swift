import Foundation
import Hummingbird
import MatchCore

/// `/v1/suggestions`: the matching's proposals with their reasons and supports; coordinators of
/// the förbund only. A suggestion speaks of a participant, so reading one is an audited read.
enum SuggestionRoutes {
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
            return try APIJSON.response(suggestion)
        }
    }

    static let states = ["proposed", "approved", "rejected", "withdrawn", "contacted", "placed"]

    static func filter(_ request: Request) throws -> SuggestionStore.Filter {
        var errors = FieldErrors()
        var filter = SuggestionStore.Filter()
        let query = request.uri.queryParameters
        if let state = query["state"].map(String.init) {
            if states.contains(state) { filter.state = state } else {
                errors.add("?state", rule: "enum", "must be one of: \(states.joined(separator: ", "))")
            }
        }
        for (name, assign) in [("participant", { (id: UUID) in filter.participantID = id }), ("offer", { filter.offerID = $0 }),
                               ("coordinator", { filter.coordinatorID = $0 })] as [(String, (UUID) -> Void)] {
            guard let text = query[Substring(name)].map(String.init) else { continue }
            if let id = UUID(uuidString: text) { assign(id) } else { errors.add("?\(name)", rule: "format", "must be an id") }
        }
        if let recommended = query["recommended"].map(String.init) {
            if recommended == "true" || recommended == "false" { filter.recommended = recommended == "true" } else {
                errors.add("?recommended", rule: "type", "must be true or false")
            }
        }
        if !errors.entries.isEmpty { throw APIProblem.badRequest(errors) }
        return filter
    }
}
