import Foundation
import Testing
@testable import SignBatch

/// The converter under the CSV reader: any chunking of the input and any size of the
/// reader's buffer give the same rows.
@Suite("Transcoding input")
struct TranscodingInputTests {
    static let text = "ref,sign_name,remark\r\n1,腾讯云,\"多行\r\n备注\"\r\n2,ＱＱ音乐,𠀋𠀌\r\n3,Tencent Cloud,end\r\n"

    static func rows(_ bytes: [UInt8], _ encoding: TextEncoding, chunk: Int) throws -> [[String]] {
        let input = try TranscodingInput(source: MemoryInput(bytes), path: "t.csv", from: encoding)
        let tokenizer = CSVTokenizer(input: input, path: "t.csv", chunkSize: chunk)
        var record = CSVRecord()
        var rows: [[String]] = []
        while try tokenizer.next(into: &record) {
            rows.append((0..<record.storedFieldCount).map { String(decoding: record.field($0), as: UTF8.self) })
        }
        return rows
    }

    @Test("tiny reader buffers lose nothing", arguments: [TextEncoding.utf16LE, .utf16BE, .gb18030])
    func chunking(encoding: TextEncoding) throws {
        let bytes: [UInt8]
        switch encoding {
        case .utf16LE: bytes = Array(Self.text.data(using: .utf16LittleEndian)!)
        case .utf16BE: bytes = Array(Self.text.data(using: .utf16BigEndian)!)
        default: bytes = Array(GB18030.encode(Self.text))
        }
        let expected = try Self.rows(bytes, encoding, chunk: 1 << 20)
        #expect(expected.count == 4)
        #expect(expected[1] == ["1", "腾讯云", "多行\r\n备注"])
        for chunk in [1, 2, 3, 5, 8, 13, 64] {
            #expect(try Self.rows(bytes, encoding, chunk: chunk) == expected, "chunk \(chunk)")
        }
    }
}
