import Testing
@testable import SignBatch

/// The enum-spelling cache gives what looking the spelling up gives, whichever of its tables
/// answers: spellings of every length around the direct-mapped table's limit, many sharing a
/// slot (same length and end bytes), looked up again and again in random order.
@Suite struct LookupCacheTests {
    @Test func agreesWithTheLookup() {
        var rng = SplitMix64(state: 17)
        // Within each length, the same first and last byte (so one slot) and one byte that
        // differs: just before the last (past the first word, or the second, when long), in
        // the middle, or second.
        var spellings: [[UInt8]] = []
        for length in 3...30 {
            for position in Set([length - 2, length / 2, 1]) {
                for variant in 0..<6 {
                    var bytes = [UInt8](repeating: 0x61, count: length)
                    bytes[0] = 0x78
                    bytes[length - 1] = 0x79
                    bytes[position] = 0x30 + UInt8(variant)
                    spellings.append(bytes)
                }
            }
        }
        spellings += [[0x79], [0x78, 0x79]]
        spellings.append(Array(" padded ".utf8))
        spellings.append(Array("腾讯云".utf8))
        // Known spellings end in "y"; each gets a value of its own.
        let lookup: (String) -> Int? = { $0.hasSuffix("y") ? $0.utf8.reduce(0) { $0 &* 31 &+ Int($1) } : nil }
        let cache = LookupCache<Int>(default: nil, lookup: lookup)
        for _ in 0..<15_000 {
            let raw = spellings.randomElement(using: &rng)!
            let got = raw.withUnsafeBufferPointer { cache.parse($0) }
            let text = TextNormalizer.field(String(decoding: raw, as: UTF8.self))
            switch (got, lookup(text)) {
            case (.valid(let value), .some(let expected)): #expect(value == expected)
            case (.invalid(let shown), nil): #expect(shown == text)
            default: Issue.record("\(String(decoding: raw, as: UTF8.self)): \(got)")
            }
        }
    }

    /// An empty field, or one that trims to nothing, takes the field's default.
    @Test(arguments: ["", "   ", "\u{3000}"])
    func blankTakesTheDefault(_ text: String) {
        let cache = LookupCache<Int>(default: 7) { _ in 1 }
        let got = Array(text.utf8).withUnsafeBufferPointer { cache.parse($0) }
        #expect(got.value == 7)
        let none = LookupCache<Int>(default: nil) { _ in 1 }
        let absent = Array(text.utf8).withUnsafeBufferPointer { none.parse($0) }
        guard case .absent = absent else { Issue.record("\(absent)"); return }
    }
}
