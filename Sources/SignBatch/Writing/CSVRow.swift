/// RFC 4180 output, UTF-8, LF line ends, with formula-injection protection.
public struct CSVRow: RowFormat {
    let prolog: [UInt8]
    var epilogue: [UInt8] { [] }
    var row: [UInt8] = []
    private let building = RowBuffer()
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
        building.removeAll()
        first = true
    }

    mutating func finish() {
        building.append(0x0A)
        row.append(contentsOf: building.bytes)
    }

    @inline(__always)
    public mutating func text(bytes: UnsafeBufferPointer<UInt8>) {
        let out = building.reserve(Self.maxCellBytes(bytes.count) + 1)
        var written = 0
        if !first {
            out.pointee = 0x2C
            written = 1
        }
        first = false
        building.wrote(written + Self.writeCell(bytes, to: out + written))
    }

    @inline(__always)
    public mutating func number(_ value: Int) {
        if !first { building.append(0x2C) }
        first = false
        building.wrote(DecimalText.write(value, to: building.reserve(DecimalText.maxBytes)))
    }

    /// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
    /// gets a leading `'`; a cell with a comma, quote or line break is quoted.
    public static func appendCell(_ value: String, to out: inout [UInt8]) {
        value.withBytes { appendCell($0, to: &out) }
    }

    static func appendCell(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let start = out.count
        let room = maxCellBytes(utf8.count)
        out.append(contentsOf: repeatElement(0, count: room))
        let written = out.withUnsafeMutableBufferPointer { writeCell(utf8, to: $0.baseAddress! + start) }
        out.removeLast(room - written)
    }

    /// The most bytes `writeCell` writes for a value of `count` bytes: every byte a quote
    /// (doubled), plus the two quotes and the formula mark.
    @inline(__always)
    static func maxCellBytes(_ count: Int) -> Int { 2 * count + 3 }

    /// Writes the cell for `utf8` at `out` (room for `maxCellBytes`); the bytes written.
    @inline(__always)
    static func writeCell(_ utf8: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let first = utf8.first else { return 0 }
        let formula = first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 || first == 0x09 || first == 0x0D
        let needsQuotes = Self.needsQuotes(utf8)
        if !needsQuotes && !formula { return copy(utf8, to: out) }
        var written = 0
        if needsQuotes { out[written] = 0x22; written += 1 }
        if formula { out[written] = 0x27; written += 1 }
        if needsQuotes {
            for byte in utf8 {
                out[written] = byte
                written += 1
                if byte == 0x22 { out[written] = 0x22; written += 1 }
            }
            out[written] = 0x22
            return written + 1
        }
        return written + copy(utf8, to: out + written)
    }

    /// Whether the value holds a comma, quote or line break; eight bytes at a time, since
    /// all four bytes are at most 0x2C a word with none below 0x2D has none of them.
    @inline(__always)
    static func needsQuotes(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return false }
        var index = 0
        while index + 8 <= utf8.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            if word.bytesBelow(0x2D) != 0, word.bytes(equalTo: 0x2C) | word.bytes(equalTo: 0x22)
                | word.bytes(equalTo: 0x0A) | word.bytes(equalTo: 0x0D) != 0 {
                return true
            }
            index += 8
        }
        while index < utf8.count {
            let byte = base[index]
            if byte <= 0x2C && (byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D) { return true }
            index += 1
        }
        return false
    }

    @inline(__always)
    private static func copy(_ bytes: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if let source = bytes.baseAddress { out.update(from: source, count: bytes.count) }
        return bytes.count
    }
}
