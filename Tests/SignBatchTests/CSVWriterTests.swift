import Foundation
import Testing
@testable import SignBatch

/// SPEC §6: output CSV is RFC 4180 UTF-8, and a cell a spreadsheet would run as a formula
/// is prefixed with `'`.
struct CSVWriterTests {
    static func cell(_ value: String) -> String {
        var out: [UInt8] = []
        CSVRow.appendCell(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("", ""),
        ("腾讯云", "腾讯云"),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("\"", "\"\"\"\""),
        ("a\nb", "\"a\nb\""),
        ("a\r\nb", "\"a\r\nb\""),
        ("a;b|c\td", "a;b|c\td"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("'already", "'already"),
    ])
    func rfc4180Escaping(value: String, expected: String) {
        #expect(Self.cell(value) == expected)
    }

    @Test(arguments: [
        ("=1+1", "'=1+1"),
        ("+8613800000000", "'+8613800000000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "\"'\rcmd\""),
        ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        ("-a\nb", "\"'-a\nb\""),
    ])
    func formulaCellsArePrefixed(value: String, expected: String) {
        #expect(Self.cell(value) == expected)
    }

    @Test func writtenFileReadsBackCellForCell() throws {
        let cells = ["1", "ref,1", "=cmd|' /C calc'!A0", "say \"hi\"", "line 1\r\nline 2", "\rx", "腾讯云", "", "-", "@", "+"]
        try UnitSupport.withTemporaryDirectory { directory in
            let path = directory + "/accepted.csv"
            let table = OutputTable(outcome: .accepted, extraColumns: ["note"])
            let writer = try RecordWriter<CSVRow>(path: path, table: table)
            try writer.write(cells)
            // Nothing is visible under the final name before the commit.
            #expect(!FileManager.default.fileExists(atPath: path))
            try writer.commit()

            let bytes = try #require(FileManager.default.contents(atPath: path))
            #expect(bytes.last == 0x0A)
            #expect(String(data: bytes, encoding: .utf8) != nil)
            let tokenizer = CSVTokenizer(input: MemoryInput(Array(bytes)), path: path)
            var record = CSVRecord()
            #expect(try tokenizer.next(into: &record))
            let header = (0..<record.fieldCount).map { String(decoding: record.field($0), as: UTF8.self) }
            #expect(header == table.columns + ["note"])
            #expect(try tokenizer.next(into: &record))
            #expect(record.problem == nil)
            let readBack = (0..<record.fieldCount).map { String(decoding: record.field($0), as: UTF8.self) }
            let expected = cells.map { cell -> String in
                guard let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return cell }
                return "'" + cell
            }
            #expect(readBack == expected)
            #expect(try !tokenizer.next(into: &record))
        }
    }

    /// A row's cells as a format builds them: numbers of every digit count and sign, text cells that need quoting, empty cells, and a cell long enough to
    /// grow the row's buffer many times over.
    @Test func rowFormatCells() {
        var format = CSVRow(table: OutputTable(outcome: .accepted, extraColumns: []))
        let long = String(repeating: "a\"b,", count: 2000)
        let numbers = [0, 7, 10, 99, 100, 123_456_789, 999_999_999, 1_000_000_000, Int.max, -1, -42, Int.min]
        format.row = Array("kept|".utf8)
        format.start()
        for number in numbers { format.number(number) }
        format.text("")
        format.text("a,b")
        format.text(long)
        format.text("=1")
        format.finish()
        let expected = "kept|" + numbers.map(String.init).joined(separator: ",") + ",," + Self.cell("a,b") + ","
            + Self.cell(long) + "," + Self.cell("=1") + "\n"
        #expect(String(decoding: format.row, as: UTF8.self) == expected)
        #expect(Self.cell(long).utf8.count == 2 + 2000 * 5)
        // The XML and JSON Lines formats append numbers to an array the same way.
        for number in numbers {
            var bytes: [UInt8] = [0x7C]
            bytes.appendDecimal(number)
            #expect(String(decoding: bytes, as: UTF8.self) == "|\(number)")
        }
    }

    /// Exactly `=`, `+`, `-`, `@`, tab and CR make a first byte a formula's, among all ASCII.
    @Test func formulaStartsAmongAllFirstBytes() {
        for byte in UInt8(0)..<0x80 where byte != 0x27 {  // an apostrophe leads its own cell
            let cell = Self.cell(String(decoding: [byte, 0x78], as: UTF8.self))
            let formula = [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D].contains(byte)
            #expect((cell.hasPrefix("'") || cell.hasPrefix("\"'")) == formula, "first byte \(byte)")
        }
    }

    /// A comma, quote or line break anywhere in a long value (in any lane of the eight-byte
    /// scan, or in its tail) quotes the cell; bytes just above them in value do not.
    @Test(arguments: ["," , "\"", "\n", "\r", "-", ".", "\u{1F}", "字"])
    func quotingAtEveryPosition(special: String) {
        let quotes = [",", "\"", "\n", "\r"].contains(special)
        for length in 1...21 {
            for position in 0..<length {
                var value = String(repeating: "x", count: position) + special
                value += String(repeating: "y", count: length - position - 1)
                let cell = Self.cell(value)
                #expect(cell.hasPrefix("\"") == quotes, "\(value.debugDescription)")
                if !quotes { #expect(cell == value || (position == 0 && special == "-" && cell == "'" + value)) }
            }
        }
    }
}
