import Foundation
import Hummingbird
import MatchCore

/// `/unsubscribe/{token}`, outside `/v1` and without a token: the `List-Unsubscribe` link of every
/// digest. A GET only shows what a POST would do (mail scanners follow links, so a GET must change
/// nothing); the one-click POST of RFC 8058 (`List-Unsubscribe=One-Click`, no cookies) turns the
/// digest's categories off for email and answers 200 with a page, never a redirect.
enum UnsubscribeRoutes {
    static func add(to api: inout APIRouteBuilder, pool: PostgresPool) {
        let store = UnsubscribeStore()

        api.open(.get, "/unsubscribe/{token}") { request, context in
            let token = try context.parameters.require("token")
            guard let categories = try await pool.withConnection({ try await store.categories(token: token, on: $0) }) else {
                return page(.notFound, unknown)
            }
            return page(.ok, """
                <h1>Avsluta e-post från Lotsen <span lang="en">(Unsubscribe)</span></h1>
                <p>Du får inte längre e-post om: \(names(categories)). Inkorgen i Lotsen påverkas inte.</p>
                <p lang="en">You will no longer get email about: \(names(categories)). Your inbox in Lotsen is not affected.</p>
                <form method="post" action="/unsubscribe/\(token.htmlEscaped)">
                <input type="hidden" name="List-Unsubscribe" value="One-Click">
                <button type="submit">Avsluta <span lang="en">(Unsubscribe)</span></button>
                </form>
                """)
        }

        api.open(.post, "/unsubscribe/{token}") { request, context in
            let token = try context.parameters.require("token")
            guard let categories = try await pool.withRetriedTransaction({ try await store.unsubscribe(token: token, in: $0) }) else {
                return page(.notFound, unknown)
            }
            return page(.ok, """
                <h1>Klart <span lang="en">(Done)</span></h1>
                <p>Du får inte längre e-post om: \(names(categories)).</p>
                <p lang="en">You will no longer get email about: \(names(categories)).</p>
                """)
        }
    }

    static let unknown = """
        <h1>Länken gäller inte <span lang="en">(Unknown link)</span></h1>
        <p>Länken är okänd eller för gammal. <span lang="en">The link is unknown or too old.</span></p>
        """

    static func names(_ categories: [String]) -> String {
        categories.sorted().map { $0.replacingOccurrences(of: "_", with: " ").htmlEscaped }.joined(separator: ", ")
    }

    static func page(_ status: HTTPResponse.Status, _ body: String) -> Response {
        let html = """
            <!doctype html><html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>Lotsen</title></head><body><main>\(body)</main></body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                                  .init("Referrer-Policy")!: "no-referrer"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

}
