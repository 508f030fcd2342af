import Testing
@testable import SignBatch

/// A reader's rows share blocks of memory (`RowTextArena`): each row must keep its own bytes
/// and spans, whichever block it landed in and whatever was written after it.
@Suite struct RowTextArenaTests {
    /// Rows of many sizes: empty, small, across a block's end, too large for a shared block
    /// (more than 16 KiB), and larger than a whole block (256 KiB).
    static func rows(count: Int, seed: UInt64) -> [[UInt8]] {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0..<count).map { row in
            let length = switch next(100) {
            case 0: 300_000 + next(1_000)
            case 1...9: 16_000 + next(20_000)
            default: next(400)
            }
            return (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ row) }
        }
    }

    @Test("every row reads back its own bytes and spans", arguments: [1, 2])
    func rowsKeepTheirText(seed: UInt64) {
        let arena = RowTextArena()
        let rows = Self.rows(count: 3_000, seed: seed)
        var made: [RawApplication] = []
        for (index, bytes) in rows.enumerated() {
            var spans = FieldSpans(repeating: .absent)
            // The sign name is the row's first half, the remark its second; the rest absent.
            spans[Field.signName.rawValue] = TextSpan(0..<(bytes.count / 2))
            spans[Field.remark.rawValue] = TextSpan((bytes.count / 2)..<bytes.count)
            made.append(bytes.withUnsafeBufferPointer {
                RawApplication(line: index + 2, validText: $0, spans: spans, arena: arena)
            })
        }
        for (index, bytes) in rows.enumerated() {
            let row = made[index]
            #expect(row.line == index + 2)
            #expect(row.has(.signName) && row.has(.remark) && !row.has(.ref))
            #expect(row.withBytes(.signName) { Array($0) } == Array(bytes[..<(bytes.count / 2)]), "row \(index)")
            #expect(row.withBytes(.remark) { Array($0) } == Array(bytes[(bytes.count / 2)...]), "row \(index)")
        }
    }

    @Test("a row outlives the arena and the other rows of its block")
    func rowOutlivesArena() {
        var kept: RawApplication?
        do {
            let arena = RowTextArena()
            var others: [RawApplication] = []
            for index in 0..<100 {
                let text = Array("row \(index) text".utf8)
                var spans = FieldSpans(repeating: .absent)
                spans[Field.ref.rawValue] = TextSpan(0..<text.count)
                let row = text.withUnsafeBufferPointer { RawApplication(line: index, validText: $0, spans: spans, arena: arena) }
                if index == 50 { kept = row } else { others.append(row) }
            }
            others.removeAll()
        }
        #expect(kept?.withBytes(.ref) { String(decoding: $0, as: UTF8.self) } == "row 50 text")
    }
}
