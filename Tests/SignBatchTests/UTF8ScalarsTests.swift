import Testing
@testable import SignBatch

/// `UTF8Scalars.decode` is the one decoder the byte checks share (simple text, the sign
/// name's charset); it must give the standard library's scalars for valid UTF-8.
struct UTF8ScalarsTests {
    @Test func decodeGivesTheStringsScalars() {
        let text = "aÿ߿ࠀ腾\u{FFFF}𐀀𠀀\u{10FFFF}z"
        text.withBytes { bytes in
            var index = 0
            var decoded: [UInt32] = []
            while index < bytes.count {
                guard let (value, length) = UTF8Scalars.decode(bytes, at: index) else {
                    Issue.record("no scalar at \(index)")
                    return
                }
                #expect(length == UTF8Scalars.length(lead: bytes[index]))
                decoded.append(value)
                index += length
            }
            #expect(decoded == text.unicodeScalars.map(\.value))
        }
    }

    @Test func aSequenceCutOffDecodesToNothing() {
        for cut in [[0xC3], [0xE8, 0x85], [0xF0, 0xA0, 0x80]] as [[UInt8]] {
            cut.withUnsafeBufferPointer { #expect(UTF8Scalars.decode($0, at: 0) == nil) }
        }
    }
}
