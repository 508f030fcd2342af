import Testing
@testable import SignBatch

@Suite struct ByteTableTests {
    /// Against a `Dictionary` on random keys of every length up to 40 (so every tail length
    /// of the eight-byte hash loop), including the empty key and keys that share prefixes.
    @Test func agreesWithDictionary() {
        var rng = SplitMix64(state: 5)
        let table = ByteTable<Int>(limit: 100_000)
        var reference: [[UInt8]: Int] = [:]
        for value in 0..<3000 {
            let length = Int.random(in: 0...40, using: &rng)
            var key = rng.bytes(length).map { $0 % 4 + 0x61 }  // few letters: many shared prefixes
            if value % 7 == 0, let other = reference.keys.randomElement(using: &rng) { key = other + [0x61] }
            let text = String(decoding: key, as: UTF8.self)
            #expect(table.value(for: text) == reference[key])
            if reference[key] == nil {
                table.insert(value, for: text)
                reference[key] = value
            }
            #expect(table.value(for: text) == reference[key])
        }
        #expect(table.count == reference.count)
        for (key, value) in reference {
            #expect(table.value(for: String(decoding: key, as: UTF8.self)) == value)
        }
        #expect(table.value(for: "zzz") == nil)
    }

    /// Bytes, not canonical equivalence: "é" precomposed and decomposed are different keys.
    @Test func keysAreBytes() {
        let table = ByteTable<Int>(limit: 10)
        table.insert(1, for: "\u{E9}")
        #expect(table.value(for: "e\u{301}") == nil)
        table.insert(2, for: "e\u{301}")
        #expect(table.value(for: "\u{E9}") == 1)
        #expect(table.value(for: "e\u{301}") == 2)
    }

    /// A full table stores nothing more, and what it holds stays found.
    @Test func stopsAtItsLimit() {
        let table = ByteTable<Int>(limit: 100)
        for value in 0..<1000 { table.insert(value, for: "key-\(value)") }
        #expect(table.count == 100)
        for value in 0..<100 { #expect(table.value(for: "key-\(value)") == value) }
        #expect(table.value(for: "key-500") == nil)
    }
}
