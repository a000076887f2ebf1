import Foundation
import Hummingbird
import MatchCore

/// What routes read from a request besides the body: path ids, paging, preconditions.
extension Request {
    /// A UUID path parameter; a malformed one is a 404 (no such record can exist).
    func id(_ name: String, _ context: LotsenRequestContext) throws -> UUID {
        guard let text = context.parameters.get(name), let id = UUID(uuidString: text) else {
            throw APIProblem(status: .notFound, title: "Not found", detail: "no such record")
        }
        return id
    }

    /// `?limit=` (1 to 200, default 50) and `?cursor=` from a previous page's `next_cursor`.
    var pageRequest: PageRequest {
        get throws {
            var errors = FieldErrors()
            var page = PageRequest()
            if let text = uri.queryParameters["limit"].map(String.init) {
                if let limit = Int(text), (1...PageRequest.maxLimit).contains(limit) {
                    page.limit = limit
                } else {
                    errors.add("?limit", rule: "range", "must be a whole number from 1 to \(PageRequest.maxLimit)")
                }
            }
            if let text = uri.queryParameters["cursor"].map(String.init) {
                if let cursor = PageCursor(encoded: text) {
                    page.after = cursor
                } else {
                    errors.add("?cursor", rule: "cursor", "must be a next_cursor this list returned")
                }
            }
            if !errors.entries.isEmpty { throw APIProblem.badRequest(errors) }
            return page
        }
    }

    /// A query parameter that names a record by id; a malformed one is added to `errors`.
    func queryID(_ name: String, _ errors: inout FieldErrors) -> UUID? {
        guard let text = uri.queryParameters[Substring(name)].map(String.init) else { return nil }
        guard let id = UUID(uuidString: text) else {
            errors.add("?\(name)", rule: "format", "must be an id")
            return nil
        }
        return id
    }

    /// A query parameter that is `true` or `false`; anything else is added to `errors`.
    func queryBool(_ name: String, _ errors: inout FieldErrors) -> Bool? {
        guard let text = uri.queryParameters[Substring(name)].map(String.init) else { return nil }
        guard text == "true" || text == "false" else {
            errors.add("?\(name)", rule: "type", "must be true or false")
            return nil
        }
        return text == "true"
    }

    /// The version `If-Match` names: nil when absent or `*`; 400 when it is not one of our ETags.
    var ifMatchVersion: Int? {
        get throws {
            guard let header = headers[.ifMatch]?.trimmingCharacters(in: .whitespaces) else { return nil }
            if header == "*" { return nil }
            guard let version = ETag.version(header) else {
                var errors = FieldErrors()
                errors.add("If-Match", rule: "etag", "must be one ETag this API returned, such as \"3\"")
                throw APIProblem.badRequest(errors)
            }
            return version
        }
    }
}

/// The ETag of a versioned record: its version as a strong tag.
enum ETag {
    static func header(_ version: Int) -> String { "\"\(version)\"" }

    /// The version a tag names: `"3"`, its weak form `W/"3"`, or the bare number `3` that some
    /// clients send unquoted.
    static func version(_ tag: String) -> Int? {
        var tag = Substring(tag)
        if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
        if tag.count >= 3, tag.first == "\"", tag.last == "\"" { tag = tag.dropFirst().dropLast() }
        guard !tag.isEmpty, tag.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(tag)
    }
}

/// A page as the API returns it.
struct PageBody<Item: Encodable & Sendable>: Encodable {
    var items: [Item]
    var nextCursor: String?

    init(_ page: Page<Item>) {
        items = page.items
        nextCursor = page.nextCursor
    }

    enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
