import Foundation
import Hummingbird
import MatchCore

/// Placements and their follow-along (`PlacementStore`, `FollowAlongStore`): recorded from a
/// suggestion the employer wants, listed, ended with an outcome, and followed along by check-ins.
/// Coordinators of the förbund only. A placement speaks of a participant, so every read of one is
/// an audited read of that participant.
enum PlacementRoutes {
    static func add(to api: inout APIRouteBuilder, pool: PostgresPool, plan: FollowAlongPlan, evaluator: SupportEvaluator) {
        let store = PlacementStore(plan: plan, evaluator: evaluator)
        let followAlong = FollowAlongStore(plan: plan)

        api.v1(.post, "/suggestions/{suggestion_id}/placement") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let id = try request.id("suggestion_id", context)
            let version = try request.ifMatchVersion
            let body = try await JSONBody<PlacementInput>(request, context: context)
            let today = ParticipantRoutes.today()
            let input = try body.value.validated(today: today)
            return try await WriteTransaction.run(request, context, pool: pool, scope: AccessScope(forbundID: forbundID),
                                                  bodyBytes: body.bytes) { tx in
                let placement = try await store.start(forbundID: forbundID, suggestionID: id, input, ifVersion: version, today: today,
                                                      by: audit, in: tx)
                return try WriteResult(placement, status: .created, location: "/v1/placements/\(placement.id.lowercased)",
                                       version: placement.version)
            }
        }

        api.v1(.get, "/placements") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let page = try request.pageRequest
            let filter = try filter(request)
            let placements = try await pool.withRetriedTransaction { tx in
                let page = try await store.list(forbundID: forbundID, filter: filter, page: page, on: tx.connection)
                try await AuditLog().recordReads(of: Set(page.items.map(\.participantID)), forbundID: forbundID, context: audit, in: tx)
                return page
            }
            return try APIJSON.response(PageBody(placements))
        }

        api.v1(.get, "/placements/{placement_id}") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let id = try request.id("placement_id", context)
            guard let placement = try await pool.withRetriedTransaction({ tx -> Placement? in
                guard let found = try await store.get(forbundID: forbundID, id: id, on: tx.connection) else { return nil }
                try await AuditLog().recordReads(of: [found.participantID], forbundID: forbundID, context: audit, in: tx)
                return found
            }) else { throw ReadResponse.notFound() }
            return try ReadResponse.record(placement, version: placement.version, request: request)
        }

        api.v1(.post, "/placements/{placement_id}/end") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let id = try request.id("placement_id", context)
            let version = try request.ifMatchVersion
            let body = try await JSONBody<PlacementEndInput>(request, context: context)
            let today = ParticipantRoutes.today()
            let input = try body.value.validated(today: today)
            return try await WriteTransaction.run(request, context, pool: pool, scope: AccessScope(forbundID: forbundID),
                                                  bodyBytes: body.bytes) { tx in
                let placement = try await store.end(forbundID: forbundID, id: id, input, ifVersion: version, today: today, by: audit, in: tx)
                return try WriteResult(placement, version: placement.version)
            }
        }

        api.v1(.get, "/placements/{placement_id}/check-ins") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let id = try request.id("placement_id", context)
            guard let checkIns = try await pool.withRetriedTransaction({ tx -> [CheckIn]? in
                guard let found = try await store.get(forbundID: forbundID, id: id, on: tx.connection),
                      let checkIns = try await followAlong.list(forbundID: forbundID, placementID: id, on: tx.connection) else { return nil }
                try await AuditLog().recordReads(of: [found.participantID], forbundID: forbundID, context: audit, in: tx)
                return checkIns
            }) else { throw ReadResponse.notFound() }
            return try APIJSON.response(CheckInsBody(items: checkIns))
        }

        api.v1(.post, "/placements/{placement_id}/check-ins/{check_in_id}") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let placementID = try request.id("placement_id", context)
            let id = try request.id("check_in_id", context)
            let version = try request.ifMatchVersion
            let body = try await JSONBody<CheckInInput>(request, context: context)
            let today = ParticipantRoutes.today()
            let input = try body.value.validated(today: today)
            return try await WriteTransaction.run(request, context, pool: pool, scope: AccessScope(forbundID: forbundID),
                                                  bodyBytes: body.bytes) { tx in
                let checkIn = try await followAlong.record(forbundID: forbundID, placementID: placementID, id: id, input,
                                                           ifVersion: version, today: today, by: audit, in: tx)
                return try WriteResult(checkIn, version: checkIn.version)
            }
        }

        api.v1(.post, "/placements/{placement_id}/follow-along/end") { request, context in
            let (forbundID, audit) = try ParticipantRoutes.access(context)
            let id = try request.id("placement_id", context)
            let version = try request.ifMatchVersion
            let body = try await JSONBody<FollowAlongEndInput>(request, context: context, emptyIsObject: true)
            let endedOn = try body.value.validated(today: ParticipantRoutes.today())
            return try await WriteTransaction.run(request, context, pool: pool, scope: AccessScope(forbundID: forbundID),
                                                  bodyBytes: body.bytes) { tx in
                let placement = try await followAlong.end(forbundID: forbundID, placementID: id, endedOn: endedOn, ifVersion: version,
                                                          by: audit, in: tx)
                return try WriteResult(placement, version: placement.version)
            }
        }
    }

    struct CheckInsBody: Encodable {
        var items: [CheckIn]
    }

    static func filter(_ request: Request) throws -> PlacementStore.Filter {
        var errors = FieldErrors()
        let filter = PlacementStore.Filter(participantID: request.queryID("participant", &errors),
                                           employerID: request.queryID("employer", &errors),
                                           offerID: request.queryID("offer", &errors), active: request.queryBool("active", &errors))
        if !errors.entries.isEmpty { throw APIProblem.badRequest(errors) }
        return filter
    }
}
