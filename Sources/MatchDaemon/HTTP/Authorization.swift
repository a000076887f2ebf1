import Foundation
import Hummingbird
import MatchCore

/// Who may do what with employers and offers:
///
/// | role        | employers, agreements             | offers                              |
/// |-------------|-----------------------------------|-------------------------------------|
/// | coordinator | read and write, own förbund       | read and write, own förbund         |
/// | employer    | read its own employer             | read and write its own offers       |
/// | operator    | read, naming `?forbund=` each time | read, naming `?forbund=` each time  |
///
/// A record outside the scope is answered 404, as if it did not exist; a write the role may not
/// make at all is 403.
enum Authorization {
    /// What the principal may read: its förbund (an operator must name one), narrowed to its
    /// employer for employer principals.
    static func readScope(_ request: Request, _ context: LotsenRequestContext) throws -> AccessScope {
        let principal = try context.requirePrincipal()
        switch principal.role {
        case .coordinator, .employer:
            return try ownScope(principal)
        case .operator:
            var errors = FieldErrors()
            guard let text = request.uri.queryParameters["forbund"].map(String.init) else {
                errors.add("?forbund", rule: "required", "an operator reads one förbund at a time: add ?forbund=ID")
                throw APIProblem.badRequest(errors)
            }
            guard let id = UUID(uuidString: text) else {
                errors.add("?forbund", rule: "format", "must be a förbund id")
                throw APIProblem.badRequest(errors)
            }
            return AccessScope(forbundID: id)
        }
    }

    /// Writes to employers and agreements: coordinators only.
    static func employerWriteScope(_ context: LotsenRequestContext) throws -> AccessScope {
        let principal = try context.requirePrincipal()
        guard principal.role == .coordinator else { throw APIProblem.forbidden }
        return AccessScope(forbundID: try bound(principal))
    }

    /// Writes to offers: coordinators in their förbund, employers for their own offers.
    static func offerWriteScope(_ context: LotsenRequestContext) throws -> AccessScope {
        let principal = try context.requirePrincipal()
        guard principal.role != .operator else { throw APIProblem.forbidden }
        return try ownScope(principal)
    }

    /// A coordinator's förbund, or an employer principal's employer within it.
    static func ownScope(_ principal: Principal) throws -> AccessScope {
        let forbundID = try bound(principal)
        guard principal.role == .employer else { return AccessScope(forbundID: forbundID) }
        guard let employerID = principal.employerID else { throw APIProblem.forbidden }
        return AccessScope(forbundID: forbundID, employerID: employerID)
    }

    static func bound(_ principal: Principal) throws -> UUID {
        guard let forbundID = principal.forbundID else { throw APIProblem.forbidden }
        return forbundID
    }
}
