import Foundation
import Testing
@testable import MatchCore

@Suite("COPY FROM STDIN")
struct PostgresCopyTests {
    @Test func copiesHundredThousandRows() async throws {
        try await withTestConnection { connection, _ in
            try await connection.execute("CREATE TABLE bulk (id int8, label text, note text, payload bytea)")
            let stored = try await connection.copyFrom("COPY bulk (id, label, note, payload) FROM STDIN") { writer in
                for id in 0..<100_000 {
                    let note: String? = id % 10 == 0 ? nil : "tab\there\nnew line \\ å"
                    try await writer.append([id, "row \(id)", note, Data([UInt8(id & 0xff), 0, 255])])
                }
            }
            #expect(stored == 100_000)
            let rows = try await connection.query("SELECT count(*) AS n, count(note) AS notes FROM bulk")
            #expect(try rows[0].decode(Int.self, "n") == 100_000)
            #expect(try rows[0].decode(Int.self, "notes") == 90_000)
            let sample = try await connection.query("SELECT note, payload FROM bulk WHERE id = \(7)")[0]
            #expect(try sample.decode(String.self, "note") == "tab\there\nnew line \\ å")
            #expect(try sample.decode(Data.self, "payload") == Data([7, 0, 255]))
        }
    }

    @Test func aThrowAbortsTheCopy() async throws {
        struct Stop: Error {}
        try await withTestConnection { connection, _ in
            try await connection.execute("CREATE TABLE bulk (id int8)")
            await #expect(throws: Stop.self) {
                _ = try await connection.copyFrom("COPY bulk (id) FROM STDIN") { writer in
                    try await writer.append([1])
                    throw Stop()
                }
            }
            let count = try await connection.query("SELECT count(*) AS n FROM bulk")[0].decode(Int.self, "n")
            #expect(count == 0)
        }
    }
}
