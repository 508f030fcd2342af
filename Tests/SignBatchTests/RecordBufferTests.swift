import Testing
@testable import SignBatch

/// `RecordBuffer`: what it holds is what was appended, across every growth, and its
/// bytes can be changed in place.
@Suite struct RecordBufferTests {
    @Test("appends of every size, across growths, read back as an array would", arguments: [1, 13, 4095, 70_001])
    func matchesArray(step: Int) {
        let buffer = RecordBuffer()
        var expected: [UInt8] = []
        var piece = 0
        while expected.count < 3 << 20 {
            let bytes = (0..<(piece % step + 1)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ piece) }
            if bytes.count == 1 {
                buffer.append(bytes[0])
            } else {
                bytes.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
            }
            withUnsafeBytes(of: UInt32(piece)) { buffer.append(contentsOf: $0) }
            expected += bytes
            withUnsafeBytes(of: UInt32(piece)) { expected += $0 }
            piece += 1
        }
        buffer.append(contentsOf: UnsafeBufferPointer<UInt8>(start: nil, count: 0))
        #expect(buffer.count == expected.count)
        #expect(buffer.withUnsafeBytes { Array($0) } == expected)
        buffer[5] = 0xEE
        expected[5] = 0xEE
        #expect(buffer[5] == 0xEE)
        #expect(buffer.withUnsafeBytes { Array($0) } == expected)
    }

    @Test("an empty buffer has no bytes")
    func empty() {
        let buffer = RecordBuffer()
        #expect(buffer.count == 0)
        #expect(buffer.withUnsafeBytes { $0.isEmpty })
    }
}
