import Hummingbird
import HTTPTypes

/// Answers for reads of versioned records: the record with its ETag, or 304 when the client's
/// `If-None-Match` already names that version.
enum ReadResponse {
    static func record(_ value: some Encodable, version: Int, request: Request) throws -> Response {
        let etag = ETag.header(version)
        if let cached = request.headers[.ifNoneMatch], cached.split(separator: ",").contains(where: {
            ETag.version($0.trimmingCharacters(in: .whitespaces)) == version
        }) {
            return Response(status: .notModified, headers: [.eTag: etag])
        }
        return try APIJSON.response(value, headers: [.eTag: etag])
    }

    static func notFound() -> APIProblem {
        APIProblem(status: .notFound, title: "Not found", detail: "no such record")
    }
}
