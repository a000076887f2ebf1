/// The rows a statement returned, copied out of libpq's result before it was cleared.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// A result column: its name and type.
    public struct Column: Sendable, Hashable {
        /// The column's name as the statement gave it.
        public var name: String
        /// The column's type.
        public var type: PostgresDataType
    }

    /// The columns, in order.
    public let columns: [Column]
    /// Every cell, row after row; nil is NULL.
    let cells: [String?]
    /// How many rows the statement affected (INSERT, UPDATE, DELETE, COPY), or returned.
    public let affectedRows: Int
    /// The command status the server returned (`INSERT 0 1`, `ROLLBACK`, `SELECT`).
    public let commandTag: String
    private let columnIndex: [String: Int]

    init(columns: [Column], cells: [String?], affectedRows: Int, commandTag: String) {
        self.columns = columns
        self.cells = cells
        self.affectedRows = affectedRows
        self.commandTag = commandTag
        var index: [String: Int] = [:]
        for (position, column) in columns.enumerated() where index[column.name] == nil {
            index[column.name] = position
        }
        self.columnIndex = index
    }

    /// A result with no rows.
    static let empty = PostgresRows(columns: [], cells: [], affectedRows: 0, commandTag: "")

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }
    public subscript(position: Int) -> PostgresRow { PostgresRow(rows: self, row: position) }

    func index(ofColumn name: String) -> Int? { columnIndex[name] }
}

/// One row of a result; decode its values by column name or position.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let row: Int

    /// Decodes the value of the column `name`.
    public func decode<Value: PostgresDecodable>(_ type: Value.Type = Value.self, _ name: String) throws -> Value {
        guard let column = rows.index(ofColumn: name) else {
            throw PostgresError(.decoding, "column \"\(name)\" is not in the result")
        }
        return try decode(type, at: column)
    }

    /// Decodes the value of the column at `column` (from 0).
    public func decode<Value: PostgresDecodable>(_ type: Value.Type = Value.self, at column: Int) throws -> Value {
        guard column >= 0, column < rows.columns.count else {
            throw PostgresError(.decoding, "column \(column) is not in the result (it has \(rows.columns.count))")
        }
        let meta = rows.columns[column]
        let cell = PostgresCell(columnName: meta.name, type: meta.type,
                                text: rows.cells[row * rows.columns.count + column])
        return try Value.decode(from: cell)
    }

    /// Whether the value of the column `name` is NULL.
    public func isNull(_ name: String) -> Bool {
        guard let column = rows.index(ofColumn: name) else { return true }
        return rows.cells[row * rows.columns.count + column] == nil
    }
}
