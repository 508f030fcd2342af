/// RFC 4180 output, UTF-8, LF line ends, with formula-injection protection.
public struct CSVRow: RowFormat {
    let prolog: [UInt8]
    var epilogue: [UInt8] { [] }
    var row: [UInt8] = []
    private var first = true

    init(table: OutputTable) {
        var header: [UInt8] = []
        for (index, column) in (table.columns + table.extraColumns).enumerated() {
            if index > 0 { header.append(0x2C) }
            CSVRow.appendCell(column, to: &header)
        }
        header.append(0x0A)
        prolog = header
    }

    mutating func start() {
        first = true
    }

    mutating func finish() { row.append(0x0A) }

    @inline(__always)
    public mutating func text(bytes: UnsafeBufferPointer<UInt8>) {
        if !first { row.append(0x2C) }
        first = false
        CSVRow.appendCell(bytes, to: &row)
    }

    @inline(__always)
    public mutating func number(_ value: Int) {
        if !first { row.append(0x2C) }
        first = false
        row.appendDecimal(value)
    }

    /// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
    /// gets a leading `'`; a cell with a comma, quote or line break is quoted.
    public static func appendCell(_ value: String, to out: inout [UInt8]) {
        value.withBytes { appendCell($0, to: &out) }
    }

    static func appendCell(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard let first = utf8.first else { return }
        let formula = first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 || first == 0x09 || first == 0x0D
        var needsQuotes = false
        // All four bytes that force quotes are at most 0x2C.
        for byte in utf8 where byte <= 0x2C && (byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D) {
            needsQuotes = true
            break
        }
        if !needsQuotes && !formula {
            out.append(contentsOf: utf8)
            return
        }
        if needsQuotes { out.append(0x22) }
        if formula { out.append(0x27) }
        if needsQuotes {
            for byte in utf8 {
                out.append(byte)
                if byte == 0x22 { out.append(0x22) }
            }
            out.append(0x22)
        } else {
            out.append(contentsOf: utf8)
        }
    }
}
