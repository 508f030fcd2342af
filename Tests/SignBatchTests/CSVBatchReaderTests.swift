import Testing
@testable import SignBatch
import CByteScan

/// SPEC §2: CSV batches: header, columns, blank lines, delimiters, encodings, and the
/// row problems (`ROW_MALFORMED`) that leave the rest of the batch readable.
struct CSVBatchReaderTests {
    static let header = "account_id,sign_name,sign_type,document_type"
    static let limits = UnitSupport.rules.file.limits

    static func reader(_ bytes: [UInt8], delimiter: UInt8? = nil, encoding: TextEncoding = .utf8,
                       startOffset: Int = 0, limits: RulesFile.InputLimits = limits,
                       step: Int? = nil) throws(BatchError) -> CSVBatchReader {
        let input: ByteInput = MemoryInput(bytes, maxRead: step ?? .max)
        return try CSVBatchReader(input: input, path: "batch.csv", encoding: encoding, startOffset: startOffset,
                                  delimiter: delimiter, limits: limits)
    }

    static func reader(_ text: String, delimiter: UInt8? = nil,
                       limits: RulesFile.InputLimits = limits) throws(BatchError) -> CSVBatchReader {
        try reader(Array(text.utf8), delimiter: delimiter, limits: limits)
    }

    static func readAll(_ reader: CSVBatchReader) throws(BatchError) -> [RawApplication] {
        var rows: [RawApplication] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    static func readAll(_ text: String, delimiter: UInt8? = nil) throws(BatchError) -> [RawApplication] {
        try readAll(reader(text, delimiter: delimiter))
    }

    static func headerError(_ text: String) -> BatchError? {
        do {
            _ = try reader(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Header

    @Test func headerNamesMatchCaseInsensitivelyInAnyOrder() throws {
        let rows = try Self.readAll("SIGN_NAME, Document_Type ,Account_ID,sign_TYPE\r\n腾讯云,三证合一,acct,company\r\n")
        #expect(rows.count == 1)
        let row = rows[0]
        #expect(row[.signName] == "腾讯云")
        #expect(row[.documentType] == "三证合一")
        #expect(row[.accountID] == "acct")
        #expect(row[.signType] == "company")
        #expect(row[.remark] == nil)
        #expect(row.line == 2)
        #expect(row.problems.isEmpty)
    }

    @Test(arguments: Field.requiredColumns)
    func missingRequiredColumnFailsTheBatch(field: Field) {
        let columns = Self.header.split(separator: ",").filter { $0 != field.name }
        let error = Self.headerError(columns.joined(separator: ",") + ",remark\nx,y,z,w\n")
        #expect(error?.kind == .malformed)
        #expect(error?.line == 1)
        #expect(error?.message.contains(field.name) == true)
    }

    @Test func everyMissingRequiredColumnIsNamed() {
        let error = Self.headerError("\n\nref,remark\n")
        #expect(error?.kind == .malformed)
        #expect(error?.line == 3)
        for field in Field.requiredColumns { #expect(error?.message.contains(field.name) == true) }
    }

    @Test(arguments: ["", "\n\n", "  \r\n\t\r\n"])
    func emptyBatchFails(text: String) {
        let error = Self.headerError(text)
        #expect(error?.kind == .malformed)
    }

    @Test func malformedHeaderFails() {
        #expect(Self.headerError("account_id,sign\"_name,sign_type,document_type\n")?.kind == .malformed)
        let unterminated = Self.headerError("\naccount_id,\"sign_name\nsign_type,document_type\n")
        #expect(unterminated?.kind == .malformed)
        #expect(unterminated?.line == 2)
    }

    @Test func unknownColumnsAreCarriedAndWarnedOnceEach() throws {
        let text = "Note,account_id,sign_name,sign_type,document_type,Extra Column\n" +
            "n1,a,腾讯云,company,0,e1\n" + "n2,b,腾讯云,company,0,e2\n" + "n3,c,腾讯云,company,0,e3\n"
        let reader = try Self.reader(text)
        #expect(reader.layout.extraColumns == ["Note", "Extra Column"])
        #expect(reader.warnings.map(\.code) == [.unknownColumn, .unknownColumn])
        #expect(reader.warnings[0].message.contains("'Note'"))
        #expect(reader.warnings[1].message.contains("'Extra Column'"))
        let rows = try Self.readAll(reader)
        #expect(rows.map(\.extras) == [["n1", "e1"], ["n2", "e2"], ["n3", "e3"]])
        #expect(rows.map { $0[.accountID] } == ["a", "b", "c"])
        // Reading the rows adds no more warnings.
        #expect(reader.warnings.count == 2)
    }

    @Test func noWarningsWithoutUnknownColumns() throws {
        let reader = try Self.reader(Self.header + ",ref,remark,ICP_Number\n")
        #expect(reader.warnings.isEmpty)
        #expect(reader.layout.extraColumns.isEmpty)
    }

    // MARK: - Rows

    @Test func blankLinesAreSkippedAndNotCounted() throws {
        let text = "\n" + Self.header + "\n\na,腾讯云,company,0\n  \t\n\r\nb,腾讯云,company,0\n\n"
        let rows = try Self.readAll(text)
        #expect(rows.map(\.line) == [4, 7])
        #expect(rows.map { $0[.accountID] } == ["a", "b"])
    }

    @Test func aLineOfDelimitersIsARow() throws {
        let rows = try Self.readAll(Self.header + "\n,,,\n,,\n")
        #expect(rows.count == 2)
        #expect(rows[0].problems.isEmpty)
        #expect(rows[0].values.compactMap { $0 } == ["", "", "", ""])
        // Its empty required fields are each reported as missing, and nothing else.
        let app = UnitSupport.normalizer.normalize(rows[0])
        #expect(Set(UnitSupport.validator.validate(app).map(\.code)) ==
                [.accountIDMissing, .signNameMissing, .signTypeMissing, .documentTypeMissing])
        #expect(rows[1].problems.map(\.code) == [.rowMalformed])
    }

    @Test func raggedRowsAreMalformedAndReadingGoesOn() throws {
        let rows = try Self.readAll(Self.header + "\na,腾讯云,company\nb,腾讯云,company,0,extra\nc,腾讯云,company,0\n")
        #expect(rows.map(\.line) == [2, 3, 4])
        #expect(rows[0].problems.map(\.code) == [.rowMalformed])
        #expect(rows[0].problems.first?.message.contains("3 fields") == true)
        #expect(rows[0][.accountID] == "a")
        #expect(rows[1].problems.map(\.code) == [.rowMalformed])
        #expect(rows[1].problems.first?.message.contains("5 fields") == true)
        #expect(rows[2].problems.isEmpty)
    }

    @Test func strayQuoteIsMalformedAndReadingGoesOn() throws {
        let rows = try Self.readAll(Self.header + "\na,腾讯\"云,company,0\n\"b\"x,腾讯云,company,0\nc,腾讯云,company,0\n")
        #expect(rows.map { $0.problems.map(\.code) } == [[.rowMalformed], [.rowMalformed], []])
        #expect(rows.map(\.line) == [2, 3, 4])
    }

    @Test func unterminatedQuoteFailsAtTheLineWhereItOpened() throws {
        let reader = try Self.reader(Self.header + "\na,腾讯云,company,0\nb,\"腾讯云,company,0\nc,x,y,z\n")
        #expect(try reader.next()?.line == 2)
        do {
            _ = try reader.next()
            Issue.record("an unterminated quote must fail the batch")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.line == 3)
            #expect(error.path == "batch.csv")
        }
    }

    @Test func rowLinesAfterMultiLineFields() throws {
        let rows = try Self.readAll(Self.header + ",remark\r\na,腾讯云,app,0,\"line 1\r\nline 2\r\nline 3\"\r\n" +
                                    "b,腾讯云,company,0,\r\n")
        #expect(rows.map(\.line) == [2, 5])
        #expect(rows[0][.remark] == "line 1\r\nline 2\r\nline 3")
    }

    @Test func invalidUTF8IsMalformedForThatRowOnly() throws {
        var bytes = Array((Self.header + "\na,").utf8)
        bytes += [0xE8, 0x85] + Array(",company,0\nb,腾讯云,company,0\n".utf8)
        let rows = try Self.readAll(Self.reader(bytes))
        #expect(rows.count == 2)
        #expect(rows[0].problems.map(\.code) == [.rowMalformed])
        #expect(rows[0].problems.first?.message.contains("sign_name") == true)
        #expect(rows[1].problems.isEmpty)
        #expect(rows[1][.signName] == "腾讯云")
    }

    /// A sequence cut between two fields is invalid in both, even though the row's bytes
    /// laid end to end (as the reader keeps them) would read as one valid character.
    @Test func sequenceSplitAcrossFieldsIsMalformed() throws {
        var bytes = Array((Self.header + "\na,").utf8)
        bytes += [0xE8, 0x85] + Array(",".utf8) + [0xBE] + Array("company,0\n".utf8)
        let rows = try Self.readAll(Self.reader(bytes))
        #expect(rows.count == 1)
        #expect(rows[0].problems.map(\.code) == [.rowMalformed])
        #expect(rows[0].problems.first?.message.contains("sign_name") == true)
    }

    @Test func fieldSizeLimitMakesARowMalformed() throws {
        var limits = Self.limits
        limits.maxFieldBytes = 16
        let text = Self.header + "\n" +
            "a,\(String(repeating: "x", count: 17)),company,0\n" +
            "b,\(String(repeating: "y", count: 16)),company,0\n" +
            "c,ok,company,0\n"
        let rows = try Self.readAll(Self.reader(text, limits: limits))
        #expect(rows.map(\.line) == [2, 3, 4])
        #expect(rows.map { $0.problems.map(\.code) } == [[.rowMalformed], [], []])
        #expect(rows[0].problems.first?.message.contains("field 2 is longer than 16 bytes") == true)
        #expect(rows[2][.accountID] == "c")
    }

    @Test func overlongLineWithoutDelimitersIsAMalformedRow() throws {
        // Nothing of the line is kept, which must not make it look like a blank line.
        var limits = Self.limits
        limits.maxFieldBytes = 16
        let text = Self.header + "\n" + String(repeating: "x", count: 40) + "\nb,腾讯云,company,0\n"
        let rows = try Self.readAll(Self.reader(text, limits: limits))
        #expect(rows.map(\.line) == [2, 3])
        #expect(rows.map { $0.problems.map(\.code) } == [[.rowMalformed], []])
    }

    @Test func rowSizeLimitMakesARowMalformed() throws {
        var limits = Self.limits
        limits.maxRowBytes = 60
        let text = Self.header + "\n" +
            "a,腾讯云,company,\(String(repeating: "0", count: 60))\n" +
            "b,腾讯云,company,0\n"
        let rows = try Self.readAll(Self.reader(text, limits: limits))
        #expect(rows.map(\.line) == [2, 3])
        #expect(rows.map { $0.problems.map(\.code) } == [[.rowMalformed], []])
        #expect(rows[0].problems.first?.message.contains("longer than 60 bytes") == true)
        #expect(rows[1][.accountID] == "b")
    }

    // MARK: - Delimiters

    @Test(arguments: [UInt8(0x2C), 0x3B, 0x09, 0x7C])
    func delimiterIsSniffedFromTheHeader(delimiter: UInt8) throws {
        let d = String(Character(Unicode.Scalar(delimiter)))
        let other = delimiter == 0x2C ? ";" : ","
        let text = ["account_id", "sign_name", "sign_type", "document_type", "remark"].joined(separator: d) + "\n" +
            ["a", "腾讯云", "company", "0", "x\(other)y"].joined(separator: d) + "\n"
        let reader = try Self.reader(text)
        let rows = try Self.readAll(reader)
        #expect(rows.count == 1)
        #expect(rows[0].problems.isEmpty)
        #expect(rows[0][.remark] == "x\(other)y")
    }

    @Test func delimiterInsideAQuotedHeaderNameDoesNotCount() {
        #expect(CSVBatchReader.sniffDelimiter(Array("a,\"b;c;d\",e".utf8)) == 0x2C)
        #expect(CSVBatchReader.sniffDelimiter(Array("a;\"b,c,d\";e".utf8)) == 0x3B)
        #expect(CSVBatchReader.sniffDelimiter(Array("account_id".utf8)) == 0x2C)
        #expect(CSVBatchReader.sniffDelimiter(Array("a;b,c".utf8)) == 0x2C)
    }

    @Test func delimiterOptionOverridesSniffing() throws {
        // Five commas against four semicolons: sniffing picks the comma.
        let text = "account_id;sign_name;sign_type;document_type;note, with, five, commas, in it\na;腾讯云;company;0;x\n"
        #expect(Self.headerError(text)?.kind == .malformed)
        let reader = try Self.reader(text, delimiter: 0x3B)
        #expect(reader.layout.extraColumns == ["note, with, five, commas, in it"])
        let rows = try Self.readAll(reader)
        #expect(rows.first?.extras == ["x"])
        #expect(rows.first?.problems.isEmpty == true)
    }

    @Test func delimiterIsSniffedFromTheHeaderLineAfterBlankLines() throws {
        let rows = try Self.readAll("\n  \r\naccount_id;sign_name;sign_type;document_type\na;腾讯云;company;0\n")
        #expect(rows.count == 1)
        #expect(rows.first?[.signName] == "腾讯云")
        #expect(rows.first?.line == 4)
    }

    // MARK: - Encodings

    static func fingerprint(_ bytes: [UInt8]) throws(BatchError) -> BatchFingerprint {
        try BatchFingerprint.scan(MemoryInput(bytes))
    }

    static let gbkTencentCloud: [UInt8] = [0xCC, 0xDA, 0xD1, 0xB6, 0xD4, 0xC6]  // 腾讯云 in GBK

    @Test func detection() throws {
        let ascii = Array("account_id,sign_name\n".utf8)
        let chinese = Array(String(repeating: "腾讯云,", count: 20).utf8)
        let cases: [([UInt8], TextEncoding?, TextEncoding, Int)] = [
            ([0xEF, 0xBB, 0xBF] + ascii, nil, .utf8, 3),
            ([0xFF, 0xFE, 0x61, 0x00], nil, .utf16LE, 2),
            ([0xFE, 0xFF, 0x00, 0x61], nil, .utf16BE, 2),
            (ascii, nil, .utf8, 0),
            (chinese, nil, .utf8, 0),
            ([], nil, .utf8, 0),
            (ascii + Self.gbkTencentCloud, nil, .gb18030, 0),
            (ascii, .gb18030, .gb18030, 0),
            // A BOM always wins over the option.
            ([0xEF, 0xBB, 0xBF] + ascii, .gb18030, .utf8, 3),
            ([0xFF, 0xFE, 0x61, 0x00], .utf8, .utf16LE, 2),
            // One damaged byte among much UTF-8 stays UTF-8 (only that row is rejected).
            (chinese + [0xFF] + chinese, nil, .utf8, 0),
        ]
        for (bytes, requested, encoding, bom) in cases {
            let detected = TextEncoding.detect(try Self.fingerprint(bytes), requested: requested)
            #expect(detected.0 == encoding && detected.bomLength == bom, "\(bytes.prefix(6)) \(String(describing: requested))")
        }
    }

    @Test(arguments: [
        ("gbk", TextEncoding.gb18030), ("GB18030", .gb18030), ("gb2312", .gb18030), ("utf8", .utf8),
        ("UTF-8", .utf8), ("utf_16le", .utf16LE), ("UTF-16BE", .utf16BE),
    ])
    func encodingOption(name: String, encoding: TextEncoding) {
        #expect(TextEncoding(option: name) == encoding)
    }

    @Test func unknownEncodingOption() {
        #expect(TextEncoding(option: "latin1") == nil)
        #expect(TextEncoding(option: "utf-32") == nil)
    }

    static let sample = header + ",remark\r\nacct,【腾讯云】,公众号,三证合一,腾讯云公众号\r\n"

    /// Reads a batch the way the pipeline does: detect, skip the BOM, transcode if needed.
    static func readDetected(_ bytes: [UInt8], requested: TextEncoding? = nil) throws -> (TextEncoding, [RawApplication]) {
        let (encoding, bom) = TextEncoding.detect(try fingerprint(bytes), requested: requested)
        let body = MemoryInput(Array(bytes.dropFirst(bom)))
        let input: ByteInput = encoding == .utf8 ? body : try TranscodingInput(source: body, path: "batch.csv", from: encoding)
        let reader = try CSVBatchReader(input: input, path: "batch.csv", encoding: encoding,
                                        startOffset: encoding == .utf8 ? bom : 0, delimiter: nil, limits: limits)
        #expect(reader.layout.encoding == encoding.rawValue)
        return (encoding, try readAll(reader))
    }

    static func expectSample(_ rows: [RawApplication]) {
        #expect(rows.count == 1)
        #expect(rows.first?[.accountID] == "acct")
        #expect(rows.first?[.signName] == "【腾讯云】")
        #expect(rows.first?[.signType] == "公众号")
        #expect(rows.first?.problems.isEmpty == true)
    }

    @Test func utf8WithAndWithoutBOM() throws {
        let plain = Array(Self.sample.utf8)
        let (encoding, rows) = try Self.readDetected(plain)
        #expect(encoding == .utf8)
        Self.expectSample(rows)
        let (bomEncoding, bomRows) = try Self.readDetected([0xEF, 0xBB, 0xBF] + plain)
        #expect(bomEncoding == .utf8)
        Self.expectSample(bomRows)
    }

    @Test func utf16WithBOM() throws {
        let units = Array(Self.sample.utf16)
        let little: [UInt8] = [0xFF, 0xFE] + units.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)] }
        let big: [UInt8] = [0xFE, 0xFF] + units.flatMap { [UInt8($0 >> 8), UInt8(truncatingIfNeeded: $0)] }
        let (leEncoding, leRows) = try Self.readDetected(little)
        #expect(leEncoding == .utf16LE)
        Self.expectSample(leRows)
        let (beEncoding, beRows) = try Self.readDetected(big)
        #expect(beEncoding == .utf16BE)
        Self.expectSample(beRows)
    }

    @Test func gb18030DetectedOrRequested() throws {
        let bytes: [UInt8] = Array((Self.header + "\r\nacct,").utf8) + Self.gbkTencentCloud + Array(",company,0\r\n".utf8)
        for requested in [nil, TextEncoding.gb18030] {
            let (encoding, rows) = try Self.readDetected(bytes, requested: requested)
            #expect(encoding == .gb18030)
            #expect(rows.first?[.signName] == "腾讯云")
            #expect(rows.first?.problems.isEmpty == true)
        }
    }

    /// ASCII rows are screened for control bytes eight at a time: a control byte is found
    /// wherever it falls in a word, in the tail after the last whole word, and next to bytes
    /// just above and below the 0x20 boundary.
    @Test(arguments: [0x00, 0x01, 0x1B, 0x1F] as [UInt8])
    func controlBytesInASCIIRowsAreFoundAtEveryPosition(_ control: UInt8) throws {
        let plain = Array("acct-1,Tencent Cloud Computing,company,business_license".utf8)
        for position in plain.indices where plain[position] != 0x2C {
            var row = plain
            row[position] = control
            let rows = try Self.readAll(Self.reader(Array((Self.header + "\n").utf8) + row + [0x0A, 0x20, 0x21, 0x7F, 0x0A]))
            try #require(rows.count == 2)
            #expect(rows[0].problems.map(\.code) == [.rowMalformed], "byte \(control) at \(position)")
            #expect(rows[0].problems.first?.message.contains(String(control, radix: 16, uppercase: true).leftPadded(to: 4)) == true)
            // Space, '!' and DEL are not control bytes a field may not hold.
            #expect(rows[1].problems.allSatisfy { !$0.message.contains("control") }, "\(rows[1].problems)")
        }
        #expect(try Self.readAll(Self.reader(Array((Self.header + "\n").utf8) + plain + [0x0A]))[0].problems.isEmpty)
    }

    /// Read from a whole buffer, nearly every record is found in one scan, 64 bytes at a
    /// time; read a byte at a time, none is. Both must give every row the same fields and
    /// problems, wherever its non-ASCII, control and tab bytes fall among the 64-byte blocks.
    @Test func rowsReadInOneScanAgreeWithRowsReadByteByByte() throws {
        var rng = SplitMix64(state: 41)
        let pool: [[UInt8]] = [Array("a".utf8), Array("Z".utf8), Array(" ".utf8), Array("腾".utf8), Array("é".utf8),
                               [0x01], [0x1F], [0x09], [0x7F], [0x20], [0xFF]]
        var text = Array((Self.header + "\n").utf8)
        for _ in 0..<400 {
            var row: [UInt8] = []
            for column in 0..<4 {
                if column > 0 { row.append(0x2C) }
                for _ in 0..<Int.random(in: 0...40, using: &rng) {
                    row += Int.random(in: 0..<6, using: &rng) == 0 ? pool.randomElement(using: &rng)! : [0x61]
                }
            }
            text += row + [0x0A]
        }
        func describe(_ rows: [RawApplication]) -> [String] {
            rows.map { row in
                "\(row.line) " + Field.allCases.map { row[$0] ?? "-" }.joined(separator: "|")
                    + " " + row.problems.map(\.message).joined(separator: "; ")
            }
        }
        let screened = try Self.readAll(Self.reader(text))
        let unscreened = try Self.readAll(Self.reader(text, step: 1))
        #expect(screened.count == 400)
        #expect(describe(screened) == describe(unscreened))
        #expect(screened.contains { $0.problems.contains { $0.message.contains("control character") } })
    }

    /// A sequence split by a delimiter leaves the row's stored bytes (fields end to end)
    /// valid as a whole; each field must still be valid on its own.
    @Test func aSequenceSplitAcrossTwoFieldsIsInvalid() throws {
        let middle = Array("中".utf8)  // E4 B8 AD
        let row = Array("acct-1,腾讯".utf8) + [middle[0], 0x2C] + middle[1...] + Array("company,business_license".utf8)
        let rows = try Self.readAll(Self.reader(Array((Self.header + "\n").utf8) + row + [0x0A]))
        try #require(rows.count == 1)
        #expect(rows[0].problems.map(\.code) == [.rowMalformed])
        #expect(rows[0].problems.first?.message.contains("column sign_name holds bytes that are not valid") == true)
        #expect(rows[0][.signName] == "腾讯\u{FFFD}")
    }

    /// Rows that are not plain ASCII are screened for control bytes too, eight at a time
    /// and then byte by byte from the first word that has a byte below 0x20 (a tab here).
    @Test func controlBytesInNonASCIIRowsAreFoundAtEveryPosition() throws {
        let text = Array("acct-1,腾讯云计算\t有限公司,company,business_license".utf8)
        for position in text.indices where text[position] < 0x80 && text[position] != 0x2C && text[position] != 0x09 {
            var row = text
            row[position] = 0x01
            let rows = try Self.readAll(Self.reader(Array((Self.header + "\n").utf8) + row + [0x0A]))
            try #require(rows.count == 1)
            #expect(rows[0].problems.map(\.code) == [.rowMalformed], "at \(position)")
            #expect(rows[0].problems.first?.message.contains("U+0001") == true, "at \(position)")
        }
        #expect(try Self.readAll(Self.reader(Array((Self.header + "\n").utf8) + text + [0x0A]))[0].problems.isEmpty)
    }

    /// The reader's one pass over a row (`cbytescan_row_classes`) must see a control or high
    /// byte wherever it lies, at every row length around its 16-byte steps.
    @Test(arguments: Array(0..<80))
    func rowClassesFindEveryControlAndHighByte(length: Int) {
        func classes(_ bytes: [UInt8]) -> UInt32 {
            bytes.withUnsafeBufferPointer { UInt32(cbytescan_row_classes($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count)) }
        }
        let plain = [UInt8](repeating: 0x61, count: length)
        #expect(classes(plain) == 0)
        for position in 0..<length {
            for (byte, expected) in [(UInt8(0x00), UInt32(1)), (0x1F, 1), (0x80, 2), (0xFF, 2)] {
                var row = plain
                row[position] = byte
                #expect(classes(row) == expected, "byte \(byte) at \(position) of \(length)")
            }
            var both = plain
            both[position] = 0x09
            both[length - 1 - position] = 0xE4
            #expect(classes(both) == (position == length - 1 - position ? 2 : 3), "at \(position) of \(length)")
        }
        #expect(classes([0x20, 0x7F, 0x21]) == 0)
    }
}
