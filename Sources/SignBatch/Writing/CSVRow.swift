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
        let formula = first < 0x40 ? (Self.formulaStarts >> UInt64(first)) & 1 != 0 : first == 0x40
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

    /// The first bytes below 0x40 that make a cell a formula (`=`, `+`, `-`, tab, CR), as
    /// bits; `@` (0x40) is tested on its own.
    private static let formulaStarts: UInt64 = 1 << 0x3D | 1 << 0x2B | 1 << 0x2D | 1 << 0x09 | 1 << 0x0D

    /// Whether the value holds a comma, quote or line break; eight bytes at a time, the last
    /// eight overlapping the word before. A shorter value is read as one word (`a` in the
    /// lanes it leaves): most cells are shorter than a word, and a byte-by-byte tail cost
    /// more than the rest.
    @inline(__always)
    static func needsQuotes(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return false }
        let count = utf8.count
        let bytes = UnsafeRawPointer(base)
        if count >= 8 {
            var index = 0
            while index + 8 < count {
                if holdsQuotingByte(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) { return true }
                index += 8
            }
            return holdsQuotingByte(bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
        return holdsQuotingByte(UInt64(shortBytes: bytes, count: count, filler: 0x61))
    }

    /// Whether any byte of `word` is a comma, quote, LF or CR. All four are at most 0x2C, so
    /// a word with no byte below 0x2D has none. A lane test can only misflag a byte above
    /// one it flags rightly: asking whether any is flagged is exact.
    @inline(__always)
    private static func holdsQuotingByte(_ word: UInt64) -> Bool {
        word.bytesBelow(0x2D) != 0 && word.bytes(equalTo: 0x2C) | word.bytes(equalTo: 0x22)
            | word.bytes(equalTo: 0x0A) | word.bytes(equalTo: 0x0D) != 0
    }

    /// Copies a cell's bytes; the bytes copied. Up to 16 bytes (most cells) as two
    /// overlapping loads and stores, or three single bytes: a call to `memmove` cost more
    /// than the copy.
    @inline(__always)
    private static func copy(_ bytes: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let source = bytes.baseAddress else { return 0 }
        let count = bytes.count
        let from = UnsafeRawPointer(source)
        let to = UnsafeMutableRawPointer(out)
        switch count {
        case 8...16:
            let head = from.loadUnaligned(as: UInt64.self)
            let tail = from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            to.storeBytes(of: head, as: UInt64.self)
            to.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            let head = from.loadUnaligned(as: UInt32.self)
            let tail = from.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
        case 1..<4:
            out[0] = source[0]
            out[count / 2] = source[count / 2]
            out[count - 1] = source[count - 1]
        default:
            out.update(from: source, count: count)
        }
        return count
    }
}
