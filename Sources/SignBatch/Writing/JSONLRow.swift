/// One JSON object per line; numeric columns unquoted, unknown columns under `extra`.
struct JSONLRow: RowFormat {
    var prolog: [UInt8] { [] }
    var epilogue: [UInt8] { [] }
    var row: [UInt8] = []
    /// `{"line":`, `,"ref":` … then `,"extra":{"name":`, `,"other":` for the extras.
    private let keys: [[UInt8]]
    private let columnCount: Int
    private var index = 0

    init(table: OutputTable) {
        var keys: [[UInt8]] = []
        for (index, column) in table.columns.enumerated() {
            var key: [UInt8] = Array((index == 0 ? "{" : ",").utf8)
            JSONValue.appendString(column, to: &key)
            key.append(UInt8(ascii: ":"))
            keys.append(key)
        }
        for (index, column) in table.extraColumns.enumerated() {
            var key: [UInt8] = Array((index == 0 ? ",\"extra\":{" : ",").utf8)
            JSONValue.appendString(column, to: &key)
            key.append(UInt8(ascii: ":"))
            keys.append(key)
        }
        self.keys = keys
        columnCount = table.columns.count
    }

    mutating func start() {
        index = 0
    }

    mutating func finish() {
        if keys.count > columnCount { row.append(UInt8(ascii: "}")) }
        row.append(contentsOf: "}\n".utf8)
    }

    mutating func text(bytes: UnsafeBufferPointer<UInt8>) {
        row.append(contentsOf: keys[index])
        index += 1
        JSONValue.appendString(bytes: bytes, to: &row)
    }

    mutating func number(_ value: Int) {
        row.append(contentsOf: keys[index])
        index += 1
        row.appendDecimal(value)
    }
}
