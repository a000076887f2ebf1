/// Writes rows for `COPY … FROM STDIN` in COPY's text format, sending them in large chunks.
public struct PostgresCopyWriter: ~Copyable {
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []
    private let chunkSize = 256 * 1024
    /// Rows written so far.
    public private(set) var rowCount = 0

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(chunkSize + 4096)
    }

    /// Appends one row; its values in the column order of the COPY statement (nil is NULL).
    public mutating func append(_ values: [any PostgresEncodable]) async throws {
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let text = value.postgresBind.copyText else {
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                continue
            }
            for byte in text {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
        if buffer.count >= chunkSize { try await flush() }
    }

    mutating func flush() async throws {
        guard !buffer.isEmpty else { return }
        let chunk = buffer
        buffer.removeAll(keepingCapacity: true)
        try await connection.putCopyData(chunk)
    }
}

extension PostgresConnection {
    /// Runs `statement` (a `COPY … FROM STDIN`), lets `body` write the rows, and returns how many
    /// rows the server stored. A throw from `body` aborts the COPY, storing nothing.
    nonisolated(nonsending) public func copyFrom(
        _ statement: PostgresQuery,
        _ body: (inout PostgresCopyWriter) async throws -> Void
    ) async throws -> Int {
        try await beginCopy(statement)
        var writer = PostgresCopyWriter(connection: self)
        do {
            try await body(&writer)
            try await writer.flush()
        } catch {
            _ = try? await endCopy(failure: "aborted by the client")
            throw error
        }
        return try await endCopy(failure: nil)
    }
}
