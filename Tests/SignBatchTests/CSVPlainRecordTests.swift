import Testing
@testable import SignBatch

/// A record without quotes that lies whole in the tokenizer's buffer is found in one scan and
/// keeps its delimiters; every other record goes byte by byte. The two must agree on
/// everything a record reports, at every size limit and line ending.
@Suite struct CSVPlainRecordTests {
    struct Seen: Equatable {
        var line: Int
        var offset: Int
        var fields: [[UInt8]]
        var fieldCount: Int
        var problem: String?
        var blank: Bool
    }

    /// Every record of `bytes`, and how many kept their delimiters; `step` bytes per read
    /// (1: hardly a record is ever whole in the buffer, so nearly all go byte by byte).
    static func records(_ bytes: [UInt8], step: Int, delimiter: UInt8, maxField: Int, maxRow: Int) -> ([Seen], Int, String?) {
        let tokenizer = CSVTokenizer(input: MemoryInput(bytes, maxRead: step), path: "t.csv", delimiter: delimiter,
                                     chunkSize: 1 << 16, maxFieldBytes: maxField, maxRowBytes: maxRow)
        var record = CSVRecord()
        var seen: [Seen] = []
        var kept = 0
        do {
            while try tokenizer.next(into: &record) {
                if record.delimitersKept { kept += 1 }
                seen.append(Seen(line: record.line, offset: record.offset,
                                 fields: (0..<record.storedFieldCount).map { Array(record.field($0)) },
                                 fieldCount: record.fieldCount, problem: record.problem, blank: record.isBlank))
            }
            return (seen, kept, nil)
        } catch {
            return (seen, kept, error.description)
        }
    }

    @Test(arguments: [UInt8(0x2C), 0x3B, 0x09, 0x7C])
    func agreesWithTheByteScan(delimiter: UInt8) {
        var rng = SplitMix64(state: UInt64(delimiter))
        let maxField = 12
        let maxRow = 60
        let alphabet: [UInt8] = Array("ab 字\"\r\n".utf8) + [delimiter, delimiter, 0x41, 0x42]
        var totalKept = 0
        var totalByByte = 0
        for _ in 0..<300 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                // Fields around the size limit, rows around theirs, up to 70 fields.
                let fields = [1, 2, 5, 63, 64, 65, 70].randomElement(using: &rng)!
                var row: [UInt8] = []
                for index in 0..<fields {
                    if index > 0 { row.append(delimiter) }
                    let length = [0, 1, maxField - 1, maxField, maxField + 1].randomElement(using: &rng)!
                    for _ in 0..<length {
                        // Mostly plain bytes; now and then a quote or line break inside.
                        row.append(Int.random(in: 0..<40, using: &rng) == 0
                            ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0x61...0x7A, using: &rng))
                    }
                }
                bytes += row
                bytes += [[0x0A], [0x0D, 0x0A], [0x0D], [0x0A, 0x0A], [0x20, 0x09, 0x0A]].randomElement(using: &rng)!
            }
            if Bool.random(using: &rng) { bytes.removeLast() }  // no line break at the end
            let whole = Self.records(bytes, step: .max, delimiter: delimiter, maxField: maxField, maxRow: maxRow)
            let byByte = Self.records(bytes, step: 1, delimiter: delimiter, maxField: maxField, maxRow: maxRow)
            #expect(whole.0 == byByte.0, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
            #expect(whole.2 == byByte.2)
            totalKept += whole.1
            totalByByte += byByte.0.count - byByte.1
        }
        // Both paths took part.
        #expect(totalKept > 100)
        #expect(totalByByte > 1000)
    }
}
