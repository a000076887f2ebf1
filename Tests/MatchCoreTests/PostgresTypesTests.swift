import Foundation
import Testing
@testable import MatchCore

@Suite("PostgreSQL types round trip")
struct PostgresTypesTests {
    struct Nested: Codable, Equatable, Sendable {
        var name: String
        var tags: [String]
        var inner: [String: [Int]]
        var optional: Double?
    }

    @Test func everyTypeRoundTrips() async throws {
        try await withTestConnection { connection, _ in
            try await connection.execute("""
                CREATE TEMP TABLE t (b bool, i int8, i32 int4, d float8, n numeric, s text, u uuid,
                  ts timestamptz, day date, bytes bytea, j jsonb, sa text[], ia int8[], ua uuid[])
                """)
            let uuid = UUID()
            let instant = Date(timeIntervalSince1970: 1_764_582_302.123456)
            let day = CalendarDate(year: 2026, month: 2, day: 28)!
            let blob = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let nested = Nested(name: "Åsa ö 🎉", tags: ["a", "\"q\"", "back\\slash"], inner: ["x": [1, 2]], optional: nil)
            let amount = Decimal(string: "12345678901234567890.125")!
            let strings = ["", "å,ä", "with \"quotes\"", "NULL", "{brace}", "tab\there"]
            let uuids = [UUID(), UUID()]
            try await connection.execute("""
                INSERT INTO t VALUES (\(true), \(Int.max), \(Int32.min), \(3.141592653589793), \(amount),
                  \("Smörgåsbord ✓ 🇸🇪"), \(uuid), \(instant), \(day), \(blob), \(PostgresJSONB(nested)),
                  \(strings), \([Int64.min, 0, Int64.max]), \(uuids))
                """)
            let rows = try await connection.query("SELECT * FROM t")
            let row = try #require(rows.first)
            #expect(try row.decode(Bool.self, "b") == true)
            #expect(try row.decode(Int.self, "i") == Int.max)
            #expect(try row.decode(Int32.self, "i32") == Int32.min)
            #expect(try row.decode(Double.self, "d") == 3.141592653589793)
            #expect(try row.decode(Decimal.self, "n") == amount)
            #expect(try row.decode(String.self, "s") == "Smörgåsbord ✓ 🇸🇪")
            #expect(try row.decode(UUID.self, "u") == uuid)
            let decodedInstant = try row.decode(Date.self, "ts")
            #expect(abs(decodedInstant.timeIntervalSince(instant)) < 0.000_001)
            #expect(try row.decode(CalendarDate.self, "day") == day)
            #expect(try row.decode(Data.self, "bytes") == blob)
            #expect(try row.decode(PostgresJSONB<Nested>.self, "j").value == nested)
            #expect(try row.decode([String].self, "sa") == strings)
            #expect(try row.decode([Int64].self, "ia") == [Int64.min, 0, Int64.max])
            #expect(try row.decode([UUID].self, "ua") == uuids)
        }
    }

    @Test func nullsAndEmptyValues() async throws {
        try await withTestConnection { connection, _ in
            let rows = try await connection.query("""
                SELECT \(String?.none)::text AS s, \(Int?.none)::int8 AS i, \("")::text AS empty,
                  \([String]())::text[] AS arr, \(Data())::bytea AS bytes, \(Date?.none) AS ts
                """)
            let row = rows[0]
            #expect(try row.decode(String?.self, "s") == nil)
            #expect(try row.decode(Int?.self, "i") == nil)
            #expect(try row.decode(String.self, "empty") == "")
            #expect(try row.decode([String].self, "arr") == [])
            #expect(try row.decode(Data.self, "bytes") == Data())
            #expect(try row.decode(Date?.self, "ts") == nil)
            let error = #expect(throws: PostgresError.self) { try row.decode(String.self, "s") }
            #expect(error?.kind == .decoding)
            #expect(error?.description.contains("\"s\"") == true)
            #expect(error?.description.contains("NULL") == true)
        }
    }

    @Test func typeMismatchNamesTheColumn() async throws {
        try await withTestConnection { connection, _ in
            let row = try await connection.query("SELECT 42::int8 AS answer, 'x'::text AS word")[0]
            let error = #expect(throws: PostgresError.self) { try row.decode(String.self, "answer") }
            #expect(error?.description.contains("\"answer\"") == true)
            #expect(error?.description.contains("int8") == true)
            #expect(throws: PostgresError.self) { try row.decode(UUID.self, "word") }
            #expect(throws: PostgresError.self) { try row.decode(Int.self, "missing") }
        }
    }

    @Test(arguments: ["'; DROP TABLE x; --", "$1", "\\", "'", "\"", "$$ dollar $$", "NULL", "\u{1F600}\n\t"])
    func hostileStringsAreStoredVerbatim(_ value: String) async throws {
        try await withTestConnection { connection, _ in
            try await connection.execute("CREATE TEMP TABLE x (v text)")
            try await connection.execute("INSERT INTO x VALUES (\(value))")
            let stored = try await connection.query("SELECT v FROM x WHERE v = \(value)")
            #expect(stored.count == 1)
            #expect(try stored[0].decode(String.self, "v") == value)
        }
    }

    @Test func identifiersAreQuoted() async throws {
        try await withTestConnection { connection, _ in
            let name = "odd \"table\"; DROP"
            try await connection.execute("CREATE TEMP TABLE \(identifier: name) (v int)")
            try await connection.execute("INSERT INTO \(identifier: name) VALUES (\(1))")
            let rows = try await connection.query("SELECT count(*) AS n FROM \(identifier: name)")
            #expect(try rows[0].decode(Int.self, "n") == 1)
        }
    }

    @Test func fragmentsRenumberTheirPlaceholders() {
        let filter: PostgresQuery = "kind = \("a") AND queue = \("b")"
        let query: PostgresQuery = "SELECT * FROM jobs WHERE id > \(5) AND \(filter) AND note = '$1' LIMIT \(10)"
        #expect(query.sql == "SELECT * FROM jobs WHERE id > $1 AND kind = $2 AND queue = $3 AND note = '$1' LIMIT $4")
        #expect(query.binds.count == 4)
        let joined = PostgresQuery.joined(["a = \(1)", "b = \(2)"], separator: " AND ")
        #expect(joined.sql == "a = $1 AND b = $2")
    }

    @Test func timestampsWithOffsetsParse() {
        let utc = PostgresTimestamp.parse("2026-12-01 09:45:02.5+00")
        let offset = PostgresTimestamp.parse("2026-12-01 10:45:02.5+01")
        let longOffset = PostgresTimestamp.parse("2026-12-01 15:15:02.5+05:30")
        #expect(utc != nil)
        #expect(utc == offset)
        #expect(utc == longOffset)
        #expect(PostgresTimestamp.format(utc!) == "2026-12-01 09:45:02.500000+00")
    }
}
