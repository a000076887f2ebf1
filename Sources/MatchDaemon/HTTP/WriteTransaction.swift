import Foundation
import Hummingbird
import HTTPTypes
import MatchCore
import NIOCore

/// The answer of a write, built inside its transaction.
struct WriteResult {
    var status: HTTPResponse.Status
    var body: Data
    var location: String?
    var etag: String?

    /// A JSON answer with the record's ETag.
    init(_ value: some Encodable, status: HTTPResponse.Status = .ok, location: String? = nil, version: Int?) throws {
        self.status = status
        body = try APIJSON.encoder.encode(value)
        self.location = location
        etag = version.map(ETag.header)
    }

    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let location { headers[.location] = location }
        if let etag { headers[.eTag] = etag }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// One transaction per request, and for a POST with `Idempotency-Key` the key's claim and
/// answer in that same transaction. A transaction PostgreSQL aborts to break a deadlock (a write
/// meeting a matching job on the same suggestions) is run again from the start, so the request
/// does not fail for it.
enum WriteTransaction {
    /// Runs `work` in a transaction; with an `Idempotency-Key`, a retry of the same request
    /// gets the stored answer (with `Idempotent-Replayed: true`) instead of running it again.
    static func run(_ request: Request, _ context: LotsenRequestContext, pool: PostgresPool, scope: AccessScope,
                    bodyBytes: [UInt8], _ work: @escaping @Sendable (PostgresTransaction) async throws -> WriteResult) async throws -> Response {
        guard let key = request.headers[Self.idempotencyKey] else {
            return try await pool.withRetriedTransaction { try await work($0) }.response
        }
        guard !key.isEmpty, key.count <= 255, key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            var errors = FieldErrors()
            errors.add("Idempotency-Key", rule: "format", "must be 1 to 255 visible ASCII characters")
            throw APIProblem.badRequest(errors)
        }
        let actor = try context.requirePrincipal().auditName
        let hash = IdempotencyStore.requestHash(method: request.method.rawValue, path: request.uri.path,
                                                body: canonicalJSON(bodyBytes))
        return try await pool.withRetriedTransaction { tx in
            let store = IdempotencyStore()
            switch try await store.claim(forbundID: scope.forbundID, actor: actor, key: key, requestHash: hash, in: tx) {
            case .replay(let stored):
                var headers: HTTPFields = [.contentType: "application/json", Self.replayed: "true"]
                if let location = stored.location { headers[.location] = location }
                if let etag = stored.etag { headers[.eTag] = etag }
                return Response(status: HTTPResponse.Status(code: stored.status), headers: headers,
                                body: .init(byteBuffer: ByteBuffer(string: stored.body)))
            case .claimed:
                let result = try await work(tx)
                try await store.store(.init(status: result.status.code, body: String(decoding: result.body, as: UTF8.self),
                                            location: result.location, etag: result.etag),
                                      forbundID: scope.forbundID, actor: actor, key: key, in: tx)
                return result.response
            }
        }
    }

    /// The body with sorted keys and no spacing, so a retry that orders its keys differently is
    /// still the same request.
    static func canonicalJSON(_ bytes: [UInt8]) -> [UInt8] {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        else { return bytes }
        return Array(data)
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!
}
