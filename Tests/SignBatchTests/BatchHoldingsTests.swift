import Testing
@testable import SignBatch

/// The batch-wide table admission decides against (SPEC §5): keys are (account, region,
/// folded name), and nothing inserted is forgotten.
@Suite struct BatchHoldingsTests {
    struct Key: Hashable {
        var account: Int
        var name: [UInt8]
        var international: Bool
    }

    static let statuses = HeldStatus.allCases

    /// Against a `Dictionary`, on random keys of every length up to 40 in a few accounts whose
    /// IDs share prefixes (some of them a hash too), in both regions, through thousands of keys (so the table grows
    /// several times); the same name recurs across accounts and regions, and holdings are
    /// replaced and claimed along the way. Prefetching (only a hint) is mixed in.
    @Test func agreesWithDictionary() {
        var rng = SplitMix64(state: 23)
        let ids = ["a", "ab", "abc", "b", "租户-1", ""].map { Array($0.utf8) }
        // Accounts 0 and 1, and 2 and 3, share a hash (as distinct IDs may): their keys of
        // the same name and region collide, and only the account tells them apart.
        let accountHashes = ids.indices.map { ids[$0 - $0 % 2 * ($0 < 4 ? 1 : 0)].withUnsafeBufferPointer { ByteHash.hash($0) } }
        let table = BatchHoldings()
        for (index, hash) in accountHashes.enumerated() {
            #expect(table.addAccount(hash: hash, holding: HeldKeys()) == index)
        }
        var reference: [Key: HeldKeys.Holding] = [:]
        for step in 0..<8000 {
            var key = Key(account: Int.random(in: 0..<ids.count, using: &rng),
                          name: rng.bytes(Int.random(in: 0...40, using: &rng)).map { $0 % 4 + 0x61 },
                          international: Bool.random(using: &rng))
            if step % 4 == 0, let other = reference.keys.randomElement(using: &rng) {
                key = switch step % 12 {
                case 0: other
                case 4: Key(account: other.account, name: other.name, international: !other.international)
                default: Key(account: (other.account + 1) % ids.count, name: other.name, international: other.international)
                }
            }
            let hash = key.name.withUnsafeBufferPointer {
                BatchHoldings.hash(account: accountHashes[key.account], key: ByteHash.hash($0),
                                   international: key.international)
            }
            if step % 7 == 0 {
                [hash, hash &+ 1].withUnsafeBufferPointer { table.prefetch($0) }
            }
            let holding = HeldKeys.Holding(status: Self.statuses.randomElement(using: &rng)!,
                                           claimed: Bool.random(using: &rng))
            key.name.withUnsafeBufferPointer { name in
                let position = table.position(of: name, account: key.account, international: key.international, hash: hash)
                #expect(table.holding(at: position) == reference[key])
                table.set(holding, at: position, key: name, account: key.account, international: key.international)
            }
            reference[key] = holding
        }
        for account in ids.indices {
            #expect(table.counts[account] == reference.keys.filter { $0.account == account }.count)
        }
        for (key, holding) in reference {
            let hash = key.name.withUnsafeBufferPointer {
                BatchHoldings.hash(account: accountHashes[key.account], key: ByteHash.hash($0),
                                   international: key.international)
            }
            key.name.withUnsafeBufferPointer { name in
                let position = table.position(of: name, account: key.account, international: key.international, hash: hash)
                #expect(table.holding(at: position) == holding)
            }
        }
    }

    /// An account's ledger holdings come in as they were, counted for its quota. The region
    /// is part of the key; a name listed twice keeps its last holding and counts once; keys
    /// are bytes, so "é" precomposed and decomposed are two keys.
    @Test func addAccountFilesItsHoldings() {
        let held = HeldKeys()
        held.insert("腾讯云", international: false, status: .existing)
        held.insert("腾讯云", international: true, status: .needsDocuments)
        held.insert("acme", international: false, status: .needsDocuments)
        held.insert("acme", international: false, status: .accepted)
        held.insert("caf\u{E9}", international: false, status: .existing)
        let table = BatchHoldings()
        let hash = "acct".withBytes { ByteHash.hash($0) }
        _ = table.addAccount(hash: 1, holding: HeldKeys())
        let account = table.addAccount(hash: hash, holding: held)
        #expect(table.counts == [0, 4])
        func holding(_ name: String, _ international: Bool, account: Int = account, hash: UInt64 = hash) -> HeldKeys.Holding? {
            name.withBytes { key in
                table.holding(at: table.position(of: key, account: account, international: international,
                                                 hash: BatchHoldings.hash(account: hash, key: ByteHash.hash(key),
                                                                          international: international)))
            }
        }
        #expect(holding("腾讯云", false) == HeldKeys.Holding(status: .existing))
        #expect(holding("腾讯云", true) == HeldKeys.Holding(status: .needsDocuments))
        #expect(holding("acme", false) == HeldKeys.Holding(status: .accepted))
        #expect(holding("acme", true) == nil)
        #expect(holding("acme", false, account: 0, hash: 1) == nil)
        #expect(holding("caf\u{E9}", false) == HeldKeys.Holding(status: .existing))
        #expect(holding("cafe\u{301}", false) == nil)
    }
}

@Suite struct ByteIndexTests {
    /// Numbers are given in the order keys are first added, and every key is found again,
    /// through many growths; keys of every length up to 24 over a small alphabet (so they share
    /// prefixes), including the empty key.
    @Test func numbersKeysInOrder() {
        var rng = SplitMix64(state: 5)
        let index = ByteIndex()
        var reference: [[UInt8]: Int] = [:]
        for _ in 0..<5000 {
            let key = rng.bytes(Int.random(in: 0...24, using: &rng)).map { $0 % 3 + 0x30 }
            key.withUnsafeBufferPointer { bytes in
                let hash = ByteHash.hash(bytes)
                if Int.random(in: 0..<5, using: &rng) == 0 {
                    [hash].withUnsafeBufferPointer { index.prefetch($0) }
                }
                #expect(index.index(of: bytes, hash: hash) == reference[key])
                if reference[key] == nil {
                    reference[key] = reference.count
                    #expect(index.add(bytes, hash: hash) == reference[key])
                }
            }
        }
        #expect(index.count == reference.count)
        for (key, number) in reference {
            #expect(key.withUnsafeBufferPointer { index.index(of: $0, hash: ByteHash.hash($0)) } == number)
        }
    }
}
