import Testing
@testable import SignBatch

/// The UTF-8 census and row check take fast paths over ASCII and over runs of three-byte
/// sequences; fed one byte at a time, the census takes none of them, so the two must agree.
struct UTF8CensusTests {
    /// Valid sequences of every width, the edges of the ranges the fast paths skip, and
    /// bytes that break sequences, mixed by a deterministic generator.
    static let pieces: [[UInt8]] = [
        Array("a".utf8), Array("abcdefgh".utf8), Array("腾".utf8), Array("讯云".utf8), Array("é".utf8),
        Array("𠀀".utf8), [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEF, 0xBF, 0xBF], [0xE1, 0x80, 0x80],
        [0xED, 0xA0, 0x80], [0xE0, 0x80, 0x80], [0xE4, 0xB8], [0xE4], [0x80], [0xBF], [0xC0, 0x80], [0xC1],
        [0xF5], [0xFF], [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0x0A], [0x2C],
    ]

    static func sample(seed: UInt64, pieces count: Int) -> [UInt8] {
        var state = seed
        var bytes: [UInt8] = []
        for _ in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes += pieces[Int(state >> 33) % pieces.count]
        }
        return bytes
    }

    static func census(_ bytes: [UInt8], chunk: Int) -> UTF8Census {
        var census = UTF8Census()
        bytes.withUnsafeBytes { all in
            var start = 0
            while start < all.count {
                let end = min(start + chunk, all.count)
                census.scan(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
        census.finish()
        return census
    }

    @Test(arguments: 0..<64)
    func fastPathsAgreeWithTheStateMachine(seed: Int) {
        let bytes = Self.sample(seed: UInt64(seed), pieces: 1 + seed * 3)
        let slow = Self.census(bytes, chunk: 1)
        for chunk in [7, 64, 1 << 20] {
            let fast = Self.census(bytes, chunk: chunk)
            #expect(fast.invalid == slow.invalid && fast.multibyte == slow.multibyte
                    && fast.firstInvalidOffset == slow.firstInvalidOffset, "seed \(seed), chunk \(chunk)")
        }
        let rowValid = bytes.withUnsafeBufferPointer { UTF8Census.isValid($0) }
        #expect(rowValid == slow.isValid, "seed \(seed)")
        #expect(rowValid == (String(validating: bytes, as: UTF8.self) != nil), "seed \(seed)")
    }
}
