import CByteScan
import Testing
@testable import SignBatch

/// SPEC §2: RFC 4180 tokenizing, physical line numbers, and the row-level problems that
/// do not stop a batch.
struct CSVTokenizerTests {
    struct Row: Equatable, CustomStringConvertible {
        var line: Int
        var fields: [String]
        var fieldCount: Int
        var problem: String?
        var blank: Bool

        init(_ line: Int, _ fields: [String], problem: String? = nil) {
            self.line = line
            self.fields = fields
            fieldCount = fields.count
            self.problem = problem
            blank = false
        }

        init(_ record: CSVRecord) {
            line = record.line
            fields = (0..<record.storedFieldCount).map { String(decoding: record.field($0), as: UTF8.self) }
            fieldCount = record.fieldCount
            problem = record.problem
            blank = record.isBlank
        }

        var description: String {
            "line \(line): \(fields.map(\.debugDescription)) of \(fieldCount)\(blank ? " blank" : "")"
                + (problem.map { " problem: \($0)" } ?? "")
        }
    }

    struct Tokenized: Equatable {
        var rows: [Row]
        var error: BatchError?
    }

    struct Options {
        var delimiter: UInt8 = 0x2C
        var chunkSize = 1 << 20
        /// Bytes per read; `nil` reads as much as fits.
        var step: Int?
        var maxFieldBytes = 65_536
        var maxRowBytes = 1 << 20
    }

    static func tokenize(_ text: String, _ options: Options = Options()) -> Tokenized {
        tokenize(Array(text.utf8), options)
    }

    static func tokenize(_ bytes: [UInt8], _ options: Options = Options()) -> Tokenized {
        let input: ByteInput = MemoryInput(bytes, maxRead: options.step ?? .max)
        let tokenizer = CSVTokenizer(input: input, path: "t.csv", delimiter: options.delimiter,
                                     chunkSize: options.chunkSize, maxFieldBytes: options.maxFieldBytes,
                                     maxRowBytes: options.maxRowBytes)
        var record = CSVRecord()
        var rows: [Row] = []
        do {
            while try tokenizer.next(into: &record) { rows.append(Row(record)) }
            return Tokenized(rows: rows, error: nil)
        } catch {
            return Tokenized(rows: rows, error: error)
        }
    }

    static func rows(_ text: String, _ options: Options = Options()) -> [Row] {
        let result = tokenize(text, options)
        #expect(result.error == nil)
        return result.rows.map { row in
            var clean = row
            clean.problem = nil
            return clean
        }
    }

    // MARK: - Quoting

    @Test func quotedDelimiterIsText() {
        #expect(Self.rows("a,\"b,c\",d\n") == [Row(1, ["a", "b,c", "d"])])
    }

    @Test func doubledQuotesAreOneQuote() {
        #expect(Self.rows("\"he said \"\"hi\"\"\",x\n\"\"\"\"\n") == [Row(1, ["he said \"hi\"", "x"]), Row(2, ["\""])])
    }

    @Test func emptyQuotedAndUnquotedFields() {
        #expect(Self.rows("\"\",,\"\"\n") == [Row(1, ["", "", ""])])
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func quotedLineBreaksAreKeptAndCounted(end: String) {
        let text = "h1,h2\(end)\"x\(end)y\",z\(end)p,q\(end)"
        #expect(Self.rows(text) == [Row(1, ["h1", "h2"]), Row(2, ["x\(end)y", "z"]), Row(4, ["p", "q"])])
    }

    // MARK: - Line ends and physical lines

    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEnds(end: String) {
        let expected = [Row(1, ["a", "b"]), Row(2, ["c", "d"]), Row(3, ["e", "f"])]
        #expect(Self.rows("a,b\(end)c,d\(end)e,f\(end)") == expected)
        #expect(Self.rows("a,b\(end)c,d\(end)e,f") == expected)
    }

    @Test func mixedLineEnds() {
        #expect(Self.rows("a\r\nb\nc\rd\r\n\re") ==
                [Row(1, ["a"]), Row(2, ["b"]), Row(3, ["c"]), Row(4, ["d"]), Row(5, [""]).blanked, Row(6, ["e"])])
    }

    @Test func rowsStartOnTheirPhysicalLine() {
        let text = "h\n\"1\n2\n3\"\nx\n\"a\"\"\r\nb\"\ny\n\"c\r\rd\",e\r\nz"
        #expect(Self.rows(text) == [
            Row(1, ["h"]), Row(2, ["1\n2\n3"]), Row(5, ["x"]), Row(6, ["a\"\r\nb"]), Row(8, ["y"]),
            Row(9, ["c\r\rd", "e"]), Row(12, ["z"]),
        ])
    }

    @Test func closingQuoteBeforeALineBreakEndsTheRow() {
        #expect(Self.rows("\"a\"\r\n\"b\"\r\"c\"\n") == [Row(1, ["a"]), Row(2, ["b"]), Row(3, ["c"])])
    }

    // MARK: - Problems

    @Test(arguments: [
        "a\"b,c\nd,e\n",
        "\"a\"b,c\nd,e\n",
        "\"a\" ,c\nd,e\n",
        "abc\",c\nd,e\n",
    ])
    func strayQuoteMarksTheRowAndReadingGoesOn(text: String) {
        let result = Self.tokenize(text)
        #expect(result.error == nil)
        #expect(result.rows.count == 2)
        #expect(result.rows.first?.problem?.contains("stray quote") == true)
        #expect(result.rows.first?.fieldCount == 2)
        #expect(result.rows.last == Row(2, ["d", "e"]))
    }

    @Test(arguments: [
        ("h\nx\n\"abc\ndef\n", 3, 2),
        ("h\nx,\"abc\n", 2, 1),
        ("h\n\"a\nb\",\n\"c", 4, 2),
        ("\"", 1, 0),
        ("a,b\r\n\"c\"\"\r\n", 2, 1),
    ])
    func unterminatedQuoteFailsAtTheLineWhereItOpened(text: String, line: Int, rowsBefore: Int) {
        let result = Self.tokenize(text)
        #expect(result.rows.count == rowsBefore)
        #expect(result.error?.kind == .malformed)
        #expect(result.error?.line == line)
        #expect(result.error?.path == "t.csv")
        #expect(result.error?.message.contains("line \(line)") == true)
    }

    @Test func blankRecords() {
        let rows = Self.tokenize("\n  \t\n,,\n\"\"\n \" \"\n , \nx\n").rows
        #expect(rows.map(\.blank) == [true, true, false, false, false, false, false])
        #expect(rows.map(\.line) == [1, 2, 3, 4, 5, 6, 7])
    }

    @Test func fieldSizeLimit() {
        let options = Options(maxFieldBytes: 4)
        let result = Self.tokenize("abcd,\"ab\"\"c\"\nabcde,x\n\"ab,cde\",x\nok,1\n", options)
        #expect(result.error == nil)
        #expect(result.rows.map(\.line) == [1, 2, 3, 4])
        #expect(result.rows[0] == Row(1, ["abcd", "ab\"c"]))
        #expect(result.rows[1].problem?.contains("field 1") == true)
        #expect(result.rows[1].fieldCount == 2)
        #expect(result.rows[2].problem?.contains("field 1") == true)
        #expect(result.rows[3] == Row(4, ["ok", "1"]))
        // Counted in bytes: three Chinese characters are nine.
        #expect(Self.tokenize("腾讯云,x\n", options).rows.first?.problem != nil)
    }

    @Test func rowSizeLimit() {
        let options = Options(maxRowBytes: 10)
        let result = Self.tokenize("ab,cd\nabcdef,ghijkl\n\"a\nb\nc\nd\ne\nf\",g\nok,1\n", options)
        #expect(result.error == nil)
        #expect(result.rows.map(\.line) == [1, 2, 3, 9])
        #expect(result.rows[0] == Row(1, ["ab", "cd"]))
        #expect(result.rows[1].problem?.contains("longer than 10") == true)
        #expect(result.rows[2].problem?.contains("longer than 10") == true)
        #expect(result.rows[3] == Row(9, ["ok", "1"]))
    }

    @Test func sizeLimitOutranksAnEarlierStrayQuote() {
        let result = Self.tokenize("a\"b,cdefghij\n", Options(maxFieldBytes: 4))
        #expect(result.rows.first?.problem?.contains("longer than 4") == true)
    }

    @Test(arguments: [(UInt8(0x3B), "a;\"b;c\";d,e"), (0x09, "a\t\"b\tc\"\td,e"), (0x7C, "a|\"b|c\"|d,e")])
    func otherDelimiters(delimiter: UInt8, line: String) {
        #expect(Self.rows(line + "\n", Options(delimiter: delimiter)) == [Row(1, ["a", "b\(Character(Unicode.Scalar(delimiter)))c", "d,e"])])
    }

    @Test func peekingTheHeaderConsumesNothing() throws {
        let tokenizer = CSVTokenizer(input: MemoryInput(Array("a;b\r\nc;d\n".utf8), maxRead: 1), path: "t.csv",
                                     chunkSize: 1)
        #expect(try tokenizer.peekFirstLine() == Array("a;b".utf8))
        tokenizer.delimiter = 0x3B
        var record = CSVRecord()
        #expect(try tokenizer.next(into: &record))
        #expect(Row(record) == Row(1, ["a", "b"]))
        #expect(try tokenizer.next(into: &record))
        #expect(Row(record) == Row(2, ["c", "d"]))
        #expect(try !tokenizer.next(into: &record))
    }

    @Test func peekingSkipsBlankLines() throws {
        for step in [1, 3, 100] {
            let tokenizer = CSVTokenizer(input: MemoryInput(Array("\n \t\r\n\r\na|b\n".utf8), maxRead: step),
                                         path: "t.csv", chunkSize: 1)
            #expect(try tokenizer.peekFirstLine() == Array("a|b".utf8))
            var record = CSVRecord()
            #expect(try tokenizer.next(into: &record))
            #expect(record.line == 1 && record.isBlank)
        }
        let onlyBlank = CSVTokenizer(input: MemoryInput(Array(" \n\t".utf8)), path: "t.csv")
        #expect(try onlyBlank.peekFirstLine() == Array("\t".utf8))
    }

    @Test func emptyInputHasNoRecords() {
        #expect(Self.tokenize("") == Tokenized(rows: [], error: nil))
        #expect(Self.tokenize("\r") == Tokenized(rows: [Row(1, [""]).blanked], error: nil))
    }

    // MARK: - Chunk boundaries

    static let boundaryCorpus: [String] = [
        "a,b\r\nc,d\r\n",
        "h1,h2\r\n\"x\r\ny\",z\r\n\r\np,q",
        "\"he said \"\"hi\"\"\",x\r\"\"\"\"\r",
        "a\r\rb\r\n\r\nc\n\nd",
        "account_id,sign_name,sign_type,document_type\r\nacct,腾讯云,company,三证合一\r\n",
        "a\"b,c\r\n\"d\"e,f\r\ng,h",
        "x,\"unterminated\r\nline two\r\n",
        "\"quoted\r\",\"\r\n\",\"\"\r\n,,,\r\n  \t\r\nlast",
        "\"\"\"\",\"a\"\"\"\"b\",\"\"\"\"\"\"\r\n",
        "é,ü\r\n\"中\r\n文\",字\r\n",
        "long field that runs past many chunks,\"and a long quoted one, with commas, too\"\r\nend",
        "abcdefghij,k\r\n\"abc\r\ndefgh\",ij\r\nok,1",
    ]

    /// Random CSV-ish text from the bytes that matter to the tokenizer, fixed seed.
    static let randomCorpus: [String] = {
        var rng = SplitMix64(state: 7)
        let pieces = ["a", "b", ",", "\"", "\"\"", "\r", "\n", "\r\n", " ", "\t", "é", "腾"]
        return (0..<300).map { _ in
            let length = Int.random(in: 0...40, using: &rng)
            return (0..<length).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
    }()

    @Test(arguments: boundaryCorpus)
    func chunkSizeDoesNotChangeTheResult(text: String) {
        let reference = Self.tokenize(text)
        for size in 1...7 {
            #expect(Self.tokenize(text, Options(chunkSize: size)) == reference, "chunk \(size)")
            #expect(Self.tokenize(text, Options(chunkSize: size, step: size)) == reference, "step \(size)")
        }
        let limited = Options(maxFieldBytes: 8, maxRowBytes: 20)
        let limitedReference = Self.tokenize(text, limited)
        for step in [1, 2, 3, 5, 7] {
            var options = limited
            options.chunkSize = step
            options.step = step
            #expect(Self.tokenize(text, options) == limitedReference, "limited, step \(step)")
        }
    }

    @Test func chunkSizeDoesNotChangeTheResultOnRandomInput() {
        for text in Self.randomCorpus {
            let reference = Self.tokenize(text)
            let limited = Options(maxFieldBytes: 5, maxRowBytes: 12)
            let limitedReference = Self.tokenize(text, limited)
            for step in [1, 2, 3, 7] {
                #expect(Self.tokenize(text, Options(chunkSize: step, step: step)) == reference, "\(text.debugDescription)")
                var options = limited
                options.chunkSize = step
                options.step = step
                #expect(Self.tokenize(text, options) == limitedReference, "limited \(text.debugDescription)")
            }
        }
    }

    /// The eight-byte tests flag the lowest byte below a bound (or equal to a byte) exactly,
    /// and flag something exactly when such a byte exists, for every bound up to 0x80.
    @Test func byteLaneTestsFlagTheLowestMatch() {
        var rng = SplitMix64(state: 29)
        for _ in 0..<20_000 {
            let lanes = (0..<8).map { _ in UInt8.random(in: 0...3, using: &rng) == 0 ? UInt8.random(in: 0...255, using: &rng) : UInt8.random(in: 0x20...0x7E, using: &rng) }
            let word = lanes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            let bound = UInt8.random(in: 1...0x80, using: &rng)
            let below = word.bytesBelow(bound)
            let firstBelow = lanes.firstIndex { $0 < bound }
            #expect((below == 0) == (firstBelow == nil), "\(lanes) below \(bound)")
            if let firstBelow { #expect(below.trailingZeroBitCount / 8 == firstBelow, "\(lanes) below \(bound)") }
            let byte = lanes.randomElement(using: &rng)!
            #expect(word.bytes(equalTo: byte).trailingZeroBitCount / 8 == lanes.firstIndex(of: byte)!, "\(lanes) equal to \(byte)")
            #expect(word.hasNonASCII == lanes.contains { $0 >= 0x80 })
        }
    }

    /// The 64-byte mask flags exactly the delimiters, quotes and line breaks, each at its
    /// own bit, on random bytes dense in look-alikes (high bytes included: the compares are
    /// signed lanes).
    @Test func specialsMaskMatchesAByteScan() {
        var rng = SplitMix64(state: 23)
        let pool: [UInt8] = [0x61, 0x2C, 0x3B, 0x09, 0x7C, 0x22, 0x0A, 0x0D, 0x2B, 0x0B, 0x8A, 0xAC, 0xA2, 0x00, 0xFF]
        for _ in 0..<5_000 {
            let bytes = (0..<64).map { _ in pool.randomElement(using: &rng)! }
            let delimiter = [UInt8(0x2C), 0x3B, 0x09, 0x7C].randomElement(using: &rng)!
            let expected = bytes.indices.reduce(UInt64(0)) { mask, index in
                [delimiter, 0x22, 0x0A, 0x0D].contains(bytes[index]) ? mask | 1 << UInt64(index) : mask
            }
            #expect(bytes.withUnsafeBufferPointer { cbytescan_csv_specials64($0.baseAddress!, delimiter) } == expected,
                    "\(bytes) with delimiter \(delimiter)")
        }
    }

    /// The word-at-a-time scan stops at the first delimiter, quote or line break of a run
    /// (or where fewer than eight bytes remain), on random bytes dense in look-alikes.
    @Test func plainRunEndMatchesAByteScan() {
        var rng = SplitMix64(state: 17)
        let pool: [UInt8] = [0x61, 0x2C, 0x3B, 0x22, 0x0A, 0x0D, 0x2B, 0x2D, 0x21, 0x23, 0x0B, 0x0C, 0x8A, 0xAC, 0xE8, 0x00, 0xFF]
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...40, using: &rng)
            let bytes = (0..<count).map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? pool.randomElement(using: &rng)! : 0x61 }
            let delimiter = [UInt8(0x2C), 0x3B, 0x09, 0x7C].randomElement(using: &rng)!
            let start = Int.random(in: 0...count, using: &rng)
            bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let found = CSVTokenizer.plainRunEnd(base, from: start, to: count, delimiter: delimiter)
                let first = (start..<count).first { [delimiter, 0x0A, 0x0D, 0x22].contains(bytes[$0]) }
                // The first special byte when it lies in a whole word, else somewhere in the
                // last partial word (never past a special byte).
                if let first, first - start < (count - start) / 8 * 8 {
                    #expect(found == first, "\(bytes) from \(start)")
                } else {
                    #expect(found >= start && found + 8 > count && found <= (first ?? count), "\(bytes) from \(start)")
                }
            }
        }
    }
}

extension CSVTokenizerTests.Row {
    var blanked: Self {
        var row = self
        row.blank = true
        return row
    }
}
