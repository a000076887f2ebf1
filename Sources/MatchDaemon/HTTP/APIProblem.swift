import Foundation
import HTTPTypes
import Hummingbird
import MatchCore
import NIOCore

/// An error response as RFC 9457 problem details (`application/problem+json`), with the field
/// errors (`pointer`, `rule`, `message`) when input broke rules.
struct APIProblem: HTTPResponseError, Encodable {
    var status: HTTPResponse.Status
    var title: String
    var detail: String?
    var errors: [FieldErrors.Entry]?
    /// Headers the answer carries besides the content type (`Allow` on a 405).
    var headers: HTTPFields = [:]

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, errors
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("about:blank", forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(status.code, forKey: .status)
        try container.encodeIfPresent(detail, forKey: .detail)
        try container.encodeIfPresent(errors, forKey: .errors)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(self)
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static let unauthorized = APIProblem(status: .unauthorized, title: "Unauthorized",
                                         detail: "send a valid token as Authorization: Bearer TOKEN")
    static let forbidden = APIProblem(status: .forbidden, title: "Forbidden", detail: "your role may not do this")

    /// A malformed request (query parameters, headers): 400 with each field's error.
    static func badRequest(_ errors: FieldErrors) -> APIProblem {
        APIProblem(status: .badRequest, title: "Bad request", detail: errors.description, errors: errors.entries)
    }

    /// Input that broke rules: 422 with each field's error.
    static func unprocessable(_ errors: FieldErrors) -> APIProblem {
        APIProblem(status: .unprocessableContent, title: "Unprocessable content",
                   detail: "the request breaks \(errors.entries.count) rule(s)", errors: errors.entries)
    }
}

extension APIProblem {
    /// The answer to a store's refusal: 404, 412 or 409.
    init(_ error: StoreError) {
        switch error {
        case .notFound:
            self.init(status: .notFound, title: "Not found", detail: "no such record")
        case .versionMismatch(let current):
            self.init(status: .preconditionFailed, title: "Precondition failed",
                      detail: "the record has changed: its ETag is now \(ETag.header(current)); read it again")
        case .conflict(let errors):
            self.init(status: .conflict, title: "Conflict", detail: errors.description, errors: errors.entries)
        }
    }
}

/// Turns every error into problem details; internal errors are logged by their safe description
/// and answered without detail.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as APIProblem {
            throw problem
        } catch let errors as FieldErrors {
            throw APIProblem.unprocessable(errors)
        } catch let error as StoreError {
            throw APIProblem(error)
        } catch is PageCursorError {
            var errors = FieldErrors()
            errors.add("?cursor", rule: "cursor", "belongs to another list")
            throw APIProblem.badRequest(errors)
        } catch let error as HTTPError {
            throw APIProblem(status: error.status, title: error.status.reasonPhrase, detail: error.body)
        } catch let error as any HTTPResponseError {
            throw APIProblem(status: error.status, title: error.status.reasonPhrase,
                             detail: error.status == .contentTooLarge ? "the body is larger than the limit" : nil)
        } catch let error as PostgresError where error.kind == .poolTimeout || error.isConnectionFailure {
            context.logger.error("database unavailable", metadata: ["error": "\(error)"])
            throw APIProblem(status: .serviceUnavailable, title: "Service unavailable", detail: "the database is unreachable")
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw APIProblem(status: .internalServerError, title: "Internal server error", detail: nil)
        }
    }
}
