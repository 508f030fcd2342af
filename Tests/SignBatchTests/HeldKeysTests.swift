import Testing
@testable import SignBatch

/// The keys one account holds as the ledger hands them to admission: a list that keeps each
/// name's bytes, region and status exactly.
@Suite struct HeldKeysTests {
    /// Random names of every length up to 40 (empty included), both regions, every status:
    /// listed back in insertion order, unchanged.
    @Test func listsWhatWasInserted() {
        var rng = SplitMix64(state: 11)
        let held = HeldKeys()
        var reference: [([UInt8], Bool, HeldStatus)] = []
        for _ in 0..<2000 {
            let entry = (rng.bytes(Int.random(in: 0...40, using: &rng)), Bool.random(using: &rng),
                         HeldStatus.allCases.randomElement(using: &rng)!)
            entry.0.withUnsafeBufferPointer { held.insert($0, international: entry.1, status: entry.2) }
            reference.append(entry)
        }
        var listed: [([UInt8], Bool, HeldStatus)] = []
        held.forEach { name, international, holding in
            #expect(!holding.claimed)
            listed.append((Array(name), international, holding.status))
        }
        #expect(held.count == reference.count)
        #expect(listed.count == reference.count)
        for (got, want) in zip(listed, reference) {
            #expect(got.0 == want.0 && got.1 == want.1 && got.2 == want.2)
        }
    }
}
