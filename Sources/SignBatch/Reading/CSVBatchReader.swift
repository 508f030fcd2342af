import CByteScan
/// Reads a CSV batch (SPEC §2) into `RawApplication`s: finds the header, maps its columns
/// to fields, and decodes only the bytes of each row into field strings.
public final class CSVBatchReader: BatchReader {
    // Exclusivity unchecked: no access to it overlaps another, and the per-access
    // bookkeeping of class properties cost more per row than the work it guards.
    @exclusivity(unchecked) public private(set) var layout: BatchLayout
    @exclusivity(unchecked) public private(set) var warnings: [Finding] = []
    private let tokenizer: CSVTokenizer
    private let path: String
    private let knownValidUTF8: Bool
    @exclusivity(unchecked) private var record = CSVRecord()
    /// For each column of the header: the field it holds, or the index among the extras.
    @exclusivity(unchecked) private var columns: [Column] = []
    private let arena = RowTextArena()

    private enum Column {
        case field(Field)
        case extra(Int)
    }

    public static let delimiterCandidates: [UInt8] = [0x2C, 0x3B, 0x09, 0x7C]  // , ; TAB |

    /// - Parameters:
    ///   - input: UTF-8 bytes (already converted from the batch's encoding, BOM removed).
    ///   - delimiter: `nil` sniffs it from the header line.
    ///   - knownValidUTF8: the input's bytes were found valid UTF-8 as a whole (the batch's
    ///     fingerprint scanned the same file), so rows need no validation of their own.
    public init(input: ByteInput, path: String, encoding: TextEncoding = .utf8, startOffset: Int = 0,
                delimiter: UInt8? = nil, knownValidUTF8: Bool = false,
                limits: RulesFile.InputLimits) throws(BatchError) {
        self.path = path
        self.knownValidUTF8 = knownValidUTF8
        tokenizer = CSVTokenizer(input: input, path: path, startOffset: startOffset,
                                 maxFieldBytes: limits.maxFieldBytes, maxRowBytes: limits.maxRowBytes)
        layout = BatchLayout(encoding: encoding.rawValue)
        if let delimiter {
            tokenizer.delimiter = delimiter
        } else {
            tokenizer.delimiter = Self.sniffDelimiter(try tokenizer.peekFirstLine())
        }
        try readHeader()
    }

    /// The candidate that occurs most often outside quotes in the header line; `,` on a tie.
    static func sniffDelimiter(_ header: [UInt8]) -> UInt8 {
        var counts = [Int](repeating: 0, count: delimiterCandidates.count)
        var inQuotes = false
        for byte in header {
            if byte == 0x22 { inQuotes.toggle(); continue }
            if inQuotes { continue }
            if let index = delimiterCandidates.firstIndex(of: byte) { counts[index] += 1 }
        }
        var best = 0
        for index in counts.indices where counts[index] > counts[best] { best = index }
        return delimiterCandidates[best]
    }

    private func readHeader() throws(BatchError) {
        repeat {
            guard try tokenizer.next(into: &record) else {
                throw BatchError(.malformed, path: path, line: 1, "the batch is empty: no header row")
            }
        } while record.isBlank
        let line = record.line
        if let problem = record.problem {
            throw BatchError(.malformed, path: path, line: line, "the header row is malformed: \(problem)")
        }
        var seen = Set<Field>()
        var extras: [String] = []
        for index in 0..<record.storedFieldCount {
            let bytes = record.field(index)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw BatchError(.malformed, path: path, line: line,
                                 "the header row holds bytes that are not valid \(layout.encoding) text (column \(index + 1))")
            }
            let name = TextNormalizer.field(text).lowercased()
            if let field = Field(name: name) {
                if !seen.insert(field).inserted {
                    throw BatchError(.malformed, path: path, line: line, "the header names column '\(name)' twice")
                }
                columns.append(.field(field))
            } else {
                columns.append(.extra(extras.count))
                extras.append(text)
                warnings.append(Finding(.unknownColumn,
                    "column '\(text)' is not a field of signbatch; it is carried through to the outputs unchanged"))
            }
        }
        let missing = Field.requiredColumns.filter { !seen.contains($0) }
        if !missing.isEmpty {
            let names = missing.map(\.name).joined(separator: ", ")
            throw BatchError(.malformed, path: path, line: line,
                             "the header lacks the required column\(missing.count > 1 ? "s" : "") \(names)")
        }
        layout.extraColumns = extras
    }

    public func next() throws(BatchError) -> RawApplication? {
        repeat {
            guard try tokenizer.next(into: &record) else { return nil }
        } while record.isBlank
        var problems: [Finding] = []
        if let problem = record.problem {
            problems.append(Finding(.rowMalformed, problem))
        } else if record.fieldCount != columns.count {
            problems.append(Finding(.rowMalformed,
                "the row has \(record.fieldCount) field\(record.fieldCount == 1 ? "" : "s"), the header has \(columns.count)"))
        }
        let stored = min(record.storedFieldCount, columns.count)
        let end = stored == 0 ? 0 : record.ends[stored - 1]
        var spans = FieldSpans(repeating: .absent)
        var extras = layout.extraColumns.isEmpty ? [] : Array(repeating: "", count: layout.extraColumns.count)
        var badOffset: Int?
        var badColumn = 0
        var control: (column: Int, byte: UInt8)?
        var application = record.bytes.withUnsafeBufferPointer { bytes -> RawApplication in
            // One pass decides the common row: ASCII text without control characters, whose
            // fields need no UTF-8 validation of their own. Most rows hold Chinese text but
            // no control character: that pass also spares them the search for one.
            let classes = bytes.baseAddress.map { cbytescan_row_classes($0, end) } ?? 0
            let plain = classes == 0
            for index in 0..<stored {
                let range = record.fieldRange(index)
                switch columns[index] {
                case .field(let field): spans[field.rawValue] = TextSpan(range)
                case .extra(let extra):
                    extras[extra] = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
                }
            }
            let row = UnsafeBufferPointer(rebasing: bytes[0..<end])
            if plain { return RawApplication(line: record.line, validText: row, spans: spans, extras: extras, arena: arena) }
            if classes & 1 != 0 { control = Self.firstControlByte(bytes, end: end, ends: record.ends) }
            // A row that is valid UTF-8 as a whole, with no column starting inside a sequence,
            // has every field valid on its own: no sequence can span two fields. (Columns lie
            // end to end, or with one ASCII delimiter between them, so that is all
            // `RawApplication.isValidText` would check.)
            let aligned = (0..<stored).allSatisfy { record.ends[$0] >= end || bytes[record.ends[$0]] & 0xC0 != 0x80 }
            if aligned, knownValidUTF8 || UTF8Census.isValid(row) {
                return RawApplication(line: record.line, validText: row, spans: spans, extras: extras, arena: arena)
            }
            for index in 0..<stored {
                let range = record.fieldRange(index)
                if let invalid = UTF8Census.firstInvalidOffset(in: UnsafeBufferPointer(rebasing: bytes[range])) {
                    // Exact for unquoted rows: the field's bytes plus one delimiter per field
                    // before it (already counted when the record kept its delimiters).
                    badOffset = record.offset + range.lowerBound + (record.delimitersKept ? 0 : index) + invalid
                    badColumn = index
                    break
                }
            }
            return RawApplication(line: record.line, anyText: row, spans: spans, extras: extras)
        }
        application.problems = problems
        if let badOffset {
            application.problems.append(Finding(.rowMalformed,
                "column \(columnName(badColumn)) holds bytes that are not valid \(layout.encoding) text (\(record.anyQuoted ? "near" : "at") byte offset \(badOffset)\(layout.encoding == TextEncoding.utf8.rawValue ? "" : " of the text converted to UTF-8"))"))
        }
        if let (column, byte) = control {
            application.problems.append(Finding(.rowMalformed,
                "column \(columnName(column)) holds the control character U+\(String(byte, radix: 16, uppercase: true).leftPadded(to: 4)), which no field may contain"))
        }
        return application
    }

    private func columnName(_ index: Int) -> String {
        switch columns[index] {
        case .field(let field): field.name
        case .extra(let extra): layout.extraColumns[extra]
        }
    }

    /// C0 controls other than tab and line breaks (NUL above all) have no place in any field,
    /// and no output format could carry them faithfully.
    private static func firstControlByte(_ bytes: UnsafeBufferPointer<UInt8>, end: Int,
                                         ends: [Int]) -> (column: Int, byte: UInt8)? {
        // Most rows have no byte below 0x20 at all: settled eight bytes at a time.
        var index = 0
        if let base = bytes.baseAddress {
            while index + 8 <= end,
                  UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self).bytesBelow(0x20) == 0 {
                index += 8
            }
        }
        while index < end {
            let byte = bytes[index]
            if byte < 0x20, byte != 0x09, byte != 0x0A, byte != 0x0D {
                var column = 0
                while ends[column] <= index { column += 1 }
                return (column, byte)
            }
            index += 1
        }
        return nil
    }
}
