/// How one output format lays out a file: what comes before and after the rows, and each
/// row's cells (received as a `CellSink`) appended to a buffer.
protocol RowFormat: CellSink {
    init(table: OutputTable)
    var prolog: [UInt8] { get }
    var epilogue: [UInt8] { get }
    /// Where rows are appended: `start()` begins one at its end, `finish()` completes it.
    var row: [UInt8] { get set }
    mutating func start()
    mutating func finish()
}

extension RowFormat {
    /// Appends the evaluation's row to `bytes`, which is lent to the format for the row
    /// (moved in and out, not copied): rendered rows go straight into a chunk's buffer.
    @inline(__always)
    mutating func render(_ evaluation: Evaluation, in table: OutputTable, into bytes: inout [UInt8]) {
        swap(&row, &bytes)
        start()
        table.emit(evaluation, to: &self)
        finish()
        swap(&row, &bytes)
    }
}

/// Writes one output file of a batch in one format. Rows arrive in input order; nothing is
/// visible under the final name until `commit()`. Generic rather than a protocol: the
/// batch loop is specialized per format, so a row goes from the evaluation to bytes with
/// no dynamic dispatch and no array of cells in between.
final class RecordWriter<Format: RowFormat> {
    private let file: AtomicFile
    private let table: OutputTable
    // Exclusivity unchecked: no access to it overlaps another, and the per-access
    // bookkeeping of class properties cost more per row than the work it guards.
    @exclusivity(unchecked) private var format: Format

    convenience init(path: String, table: OutputTable) throws(BatchError) {
        try self.init(file: try AtomicFile(path: path), table: table)
    }

    init(file: AtomicFile, table: OutputTable) throws(BatchError) {
        self.file = file
        self.table = table
        format = Format(table: table)
        try file.write(format.prolog)
    }

    func write(_ evaluation: Evaluation) throws(BatchError) {
        rendered.removeAll(keepingCapacity: true)
        format.render(evaluation, in: table, into: &rendered)
        try file.write(rendered)
    }

    /// The buffer `write(_:)` renders a row into.
    @exclusivity(unchecked) private var rendered: [UInt8] = []

    /// A row rendered ahead by a `RowRenderer` of the same format and table.
    func write(rendered: ArraySlice<UInt8>) throws(BatchError) {
        try file.write(rendered)
    }

    /// One row of text cells (tests write arbitrary cells through it).
    func write(_ values: [String]) throws(BatchError) {
        format.row.removeAll(keepingCapacity: true)
        format.start()
        for value in values { format.text(value) }
        format.finish()
        try file.write(format.row)
    }

    func commit() throws(BatchError) {
        try Self.commit([self])
    }

    /// `commit()` of several writers, their files synced together (`AtomicFile.commit`).
    static func commit(_ writers: [RecordWriter]) throws(BatchError) {
        for writer in writers { try writer.file.write(writer.format.epilogue) }
        try AtomicFile.commit(writers.map(\.file))
    }
}

extension Array where Element == UInt8 {
    /// Appends `text`'s bytes as they are when none of them needs escaping; false (and
    /// nothing appended) otherwise. Most cells take this path.
    @inline(__always)
    mutating func appendVerbatim(_ bytes: UnsafeBufferPointer<UInt8>, unlessAny needsEscape: (UInt8) -> Bool) -> Bool {
        for byte in bytes where needsEscape(byte) { return false }
        append(contentsOf: bytes)
        return true
    }

    /// Appends `text` escaped for an output format: as it is when no byte needs escaping
    /// (most cells), else scalar by scalar, each one replaced by what `escape` returns for
    /// it (`nil`: the scalar itself).
    @inline(__always)
    mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, ifAny needsEscape: (UInt8) -> Bool,
                                _ escape: (Unicode.Scalar) -> String?) {
        if appendVerbatim(bytes, unlessAny: needsEscape) { return }
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if let replacement = escape(scalar) {
                append(contentsOf: replacement.utf8)
            } else {
                UTF8.encode(scalar) { append($0) }
            }
        }
    }

    /// Decimal digits of `value`, without going through a `String`.
    @inline(__always)
    mutating func appendDecimal(_ value: Int) {
        if value >= 0 && value < 10 {
            append(UInt8(truncatingIfNeeded: 0x30 + value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DecimalText.maxBytes) { buffer in
            let count = DecimalText.write(value, to: buffer.baseAddress!)
            append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }
}

/// Decimal text of integers, written straight into output bytes.
enum DecimalText {
    /// The longest: "-9223372036854775808".
    static let maxBytes = 20

    /// Writes `value`'s digits (after a `-` when negative) at `out`, which has room for
    /// `maxBytes`; the bytes written.
    @inline(__always)
    static func write(_ value: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var magnitude = value.magnitude
        let sign = value < 0 ? 1 : 0
        if value < 0 { out[0] = UInt8(ascii: "-") }
        var digits = 1
        var rest = magnitude
        while rest >= 10 {
            digits += 1
            rest /= 10
        }
        var index = sign + digits
        repeat {
            index -= 1
            out[index] = UInt8(truncatingIfNeeded: 0x30 + magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        return sign + digits
    }
}
