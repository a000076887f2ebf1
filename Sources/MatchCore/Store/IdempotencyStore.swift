import Crypto
import Foundation

/// `Idempotency-Key`s: the first answer to a POST is kept for a day, in the transaction that made
/// the record, and a retry with the same key gets it again instead of creating a second record.
public struct IdempotencyStore: Sendable {
    /// A stored answer.
    public struct StoredResponse: Sendable, Hashable {
        /// The HTTP status.
        public var status: Int
        /// The body.
        public var body: String
        /// The `Location` header, if any.
        public var location: String?
        /// The `ETag` header, if any.
        public var etag: String?

        /// An answer.
        public init(status: Int, body: String, location: String?, etag: String?) {
            self.status = status
            self.body = body
            self.location = location
            self.etag = etag
        }
    }

    /// What claiming a key found.
    public enum Claim: Sendable {
        /// The key is new and now held by this transaction; do the work, then `store` the answer.
        case claimed
        /// The key was used before with the same request: this was its answer.
        case replay(StoredResponse)
    }

    /// How long a key is remembered.
    public static let retention: Duration = .seconds(24 * 3600)

    /// A store.
    public init() {}

    /// The SHA-256 of what makes two requests the same: method, path and body.
    public static func requestHash(method: String, path: String, body: [UInt8]) -> Data {
        var hasher = SHA256()
        hasher.update(data: Data("\(method) \(path)\n".utf8))
        hasher.update(data: body)
        return Data(hasher.finalize())
    }

    /// Claims `key` for `actor`. A concurrent request with the same key waits on the key's row
    /// until the first commits (and then replays) or rolls back (and then claims it).
    /// The same key with another request is a conflict.
    public func claim(forbundID: UUID, actor: String, key: String, requestHash: Data,
                      in transaction: PostgresTransaction) async throws -> Claim {
        var errors = FieldErrors()
        if key.isEmpty || key.count > 255 || !key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) {
            errors.add("Idempotency-Key", rule: "format", "must be 1 to 255 visible ASCII characters")
            throw errors
        }
        try await transaction.execute("""
            DELETE FROM idempotency_keys WHERE forbund_id = \(forbundID) AND actor = \(actor) AND key = \(key)
              AND created_at < now() - make_interval(secs => \(Self.retention.inSeconds))
            """)
        let inserted = try await transaction.query("""
            INSERT INTO idempotency_keys (forbund_id, actor, key, request_hash) VALUES (\(forbundID), \(actor), \(key), \(requestHash))
            ON CONFLICT DO NOTHING RETURNING 1 AS claimed
            """)
        if !inserted.isEmpty { return .claimed }
        let rows = try await transaction.query("""
            SELECT request_hash, response_status, response_body, response_location, response_etag FROM idempotency_keys
            WHERE forbund_id = \(forbundID) AND actor = \(actor) AND key = \(key)
            """)
        guard let row = rows.first, let status = try row.decode(Int?.self, "response_status") else {
            // Lost a race with a prune between the two statements: the caller may retry.
            throw StoreError.conflict(Self.inFlight)
        }
        guard try row.decode(Data.self, "request_hash") == requestHash else {
            errors.add("Idempotency-Key", rule: "reused", "was used for a different request; use a new key")
            throw StoreError.conflict(errors)
        }
        return .replay(StoredResponse(status: status, body: try row.decode(String.self, "response_body"),
                                      location: try row.decode(String?.self, "response_location"),
                                      etag: try row.decode(String?.self, "response_etag")))
    }

    /// Stores the answer to a claimed key, in the transaction that claimed it.
    public func store(_ response: StoredResponse, forbundID: UUID, actor: String, key: String,
                      in transaction: PostgresTransaction) async throws {
        try await transaction.execute("""
            UPDATE idempotency_keys SET response_status = \(response.status), response_body = \(response.body),
                response_location = \(response.location), response_etag = \(response.etag)
            WHERE forbund_id = \(forbundID) AND actor = \(actor) AND key = \(key)
            """)
    }

    /// Forgets keys past their retention; returns how many.
    public func prune(on connection: PostgresConnection) async throws -> Int {
        try await connection.execute("""
            DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => \(Self.retention.inSeconds))
            """)
    }

    static let inFlight: FieldErrors = {
        var errors = FieldErrors()
        errors.add("Idempotency-Key", rule: "in_flight", "a request with this key is still being processed; retry")
        return errors
    }()
}
