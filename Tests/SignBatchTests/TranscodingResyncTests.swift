import Foundation
import Testing
@testable import SignBatch

/// README: bytes that are not valid in the batch's encoding reject their row "and the batch
/// goes on". In UTF-16 that holds only if the converter steps over a whole code unit: a
/// one-byte step reads every later unit across a unit boundary.
@Suite("Transcoding resynchronizes after a bad unit")
struct TranscodingResyncTests {
    static func units(_ text: String, bigEndian: Bool) -> [UInt8] {
        text.utf16.flatMap { unit -> [UInt8] in
            let high = UInt8(unit >> 8), low = UInt8(unit & 0xFF)
            return bigEndian ? [high, low] : [low, high]
        }
    }

    static func rows(_ bytes: [UInt8], _ encoding: TextEncoding, chunk: Int) throws -> [[[UInt8]]] {
        let input = try TranscodingInput(source: MemoryInput(bytes), path: "t.csv", from: encoding)
        let tokenizer = CSVTokenizer(input: input, path: "t.csv", chunkSize: chunk)
        var record = CSVRecord()
        var rows: [[[UInt8]]] = []
        while try tokenizer.next(into: &record) {
            rows.append((0..<record.storedFieldCount).map { Array(record.field($0)) })
        }
        return rows
    }

    @Test("a lone surrogate costs one replacement byte and nothing after it",
          arguments: [(TextEncoding.utf16LE, UInt16(0xDC00)), (.utf16LE, 0xD800), (.utf16BE, 0xDC00), (.utf16BE, 0xD800)])
    func loneSurrogate(encoding: TextEncoding, surrogate: UInt16) throws {
        let bigEndian = encoding == .utf16BE
        let high = UInt8(surrogate >> 8), low = UInt8(surrogate & 0xFF)
        let bytes = Self.units("r1,腾讯云\nr2,X", bigEndian: bigEndian) + (bigEndian ? [high, low] : [low, high])
            + Self.units("Y,z\nr3,微信\n", bigEndian: bigEndian)
        for chunk in [1 << 20, 16, 17] {
            let rows = try Self.rows(bytes, encoding, chunk: chunk)
            #expect(rows == [
                [Array("r1".utf8), Array("腾讯云".utf8)],
                [Array("r2".utf8), [0x58, 0xFF, 0x59], [0x7A]],
                [Array("r3".utf8), Array("微信".utf8)],
            ], "chunk \(chunk)")
        }
    }

    @Test("an odd byte at the end of UTF-16 input is one replacement byte")
    func oddTrailingByte() throws {
        let bytes = Self.units("a,b\nc", bigEndian: false) + [0x64]
        #expect(try Self.rows(bytes, .utf16LE, chunk: 1 << 20) == [[[0x61], [0x62]], [[0x63, 0xFF]]])
    }

    @Test("in GB18030 an invalid lead byte costs only itself: the ASCII after it is read")
    func gb18030SkipsOneByte() throws {
        // 0x80 is never valid in GB18030; the delimiter right after it must still split.
        let bytes: [UInt8] = Array("a".utf8) + [0x80] + Array(",b\nc,d\n".utf8)
        #expect(try Self.rows(bytes, .gb18030, chunk: 1 << 20) == [[[0x61, 0xFF], [0x62]], [[0x63], [0x64]]])
    }
}
