import Foundation

/// Lists in the order records were made (offers, placements): by `created_at`, then id. The
/// cursor holds the last item's `created_at` as the server printed it (`created_key`) and its id.
enum CreationOrder {
    /// `condition` narrowed to the rows after `page`'s cursor, for the table aliased `alias`.
    static func condition(_ condition: PostgresQuery, after page: PageRequest, alias: String) throws -> PostgresQuery {
        guard let after = page.after else { return condition }
        // The time is read here as the binding reads the server's timestamps, so a forged cursor
        // is a 400 and not a failed cast in SQL.
        guard after.values.count == 2, let id = UUID(uuidString: after.values[1]),
              PostgresTimestamp.parse(after.values[0]) != nil else { throw PageCursorError() }
        let a = PostgresQuery(unsafeSQL: alias)
        return "\(condition) AND (\(a).created_at, \(a).id) > (\(after.values[0])::timestamptz, \(id))"
    }

    /// The `ORDER BY … LIMIT` of a page (one row more than it shows, to know whether another follows).
    static func orderAndLimit(_ page: PageRequest, alias: String) -> PostgresQuery {
        let a = PostgresQuery(unsafeSQL: alias)
        return "ORDER BY \(a).created_at, \(a).id LIMIT \(page.limit + 1)"
    }

    /// The page `rows` make (they carry `created_key`, `created_at::text`), with its next cursor.
    static func page<Item: Sendable>(_ rows: PostgresRows, _ page: PageRequest, id: (Item) -> UUID,
                                     item: (PostgresRow) throws -> Item) throws -> Page<Item> {
        let items = try rows.prefix(page.limit).map(item)
        guard rows.count > page.limit else { return Page(items: items, nextCursor: nil) }
        let key = try rows[page.limit - 1].decode(String.self, "created_key")
        return Page(items: items, nextCursor: PageCursor(values: [key, id(items[page.limit - 1]).uuidString.lowercased()]).encoded)
    }
}
