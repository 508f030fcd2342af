import Testing
@testable import SignBatch

/// The held keys of one account, which admission decides against (SPEC §5): a map from
/// (folded name, region) to a holding that forgets nothing.
@Suite struct HeldKeysTests {
    struct Key: Hashable {
        var name: [UInt8]
        var international: Bool
    }

    static let statuses = HeldStatus.allCases

    /// Against a `Dictionary` on random keys of every length up to 40 (every tail length of
    /// the eight-byte hash loop), in both regions, including the empty name and names that
    /// share prefixes, through thousands of keys (so the table grows many times); holdings
    /// are replaced and claimed along the way.
    @Test func agreesWithDictionary() {
        var rng = SplitMix64(state: 11)
        let held = HeldKeys()
        var reference: [Key: HeldKeys.Holding] = [:]
        for step in 0..<6000 {
            var key = Key(name: rng.bytes(Int.random(in: 0...40, using: &rng)).map { $0 % 4 + 0x61 },
                          international: Bool.random(using: &rng))
            if step % 5 == 0, let other = reference.keys.randomElement(using: &rng) {
                key = step % 10 == 0 ? other : Key(name: other.name, international: !other.international)
            }
            let holding = HeldKeys.Holding(status: Self.statuses.randomElement(using: &rng)!,
                                           claimed: Bool.random(using: &rng))
            key.name.withUnsafeBufferPointer { name in
                let position = held.position(of: name, international: key.international)
                #expect(held.holding(at: position) == reference[key])
                held.set(holding, at: position, key: name, international: key.international)
            }
            reference[key] = holding
            #expect(held.count == reference.count)
        }
        for (key, holding) in reference {
            #expect(held.holding(of: String(decoding: key.name, as: UTF8.self), international: key.international) == holding)
        }
        #expect(held.holding(of: "zzz", international: false) == nil)
    }

    @Test func regionIsPartOfTheKey() {
        let held = HeldKeys()
        held.insert("腾讯云", international: false, status: .existing)
        #expect(held.holding(of: "腾讯云", international: true) == nil)
        held.insert("腾讯云", international: true, status: .needsDocuments)
        #expect(held.count == 2)
        #expect(held.holding(of: "腾讯云", international: false) == HeldKeys.Holding(status: .existing))
        #expect(held.holding(of: "腾讯云", international: true) == HeldKeys.Holding(status: .needsDocuments))
    }

    /// Inserting a key already held replaces its holding; the count does not change.
    @Test func insertReplaces() {
        let held = HeldKeys()
        held.insert("acme", international: false, status: .needsDocuments)
        held.insert("acme", international: false, status: .existing)
        #expect(held.count == 1)
        #expect(held.holding(of: "acme", international: false) == HeldKeys.Holding(status: .existing))
    }

    /// Bytes, not canonical equivalence: "é" precomposed and decomposed are different keys.
    @Test func keysAreBytes() {
        let held = HeldKeys()
        held.insert("caf\u{E9}", international: false, status: .accepted)
        #expect(held.holding(of: "cafe\u{301}", international: false) == nil)
    }
}
