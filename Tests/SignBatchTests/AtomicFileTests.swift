import Foundation
import Testing
@testable import SignBatch

/// `AtomicFile`: files large enough to be synced in the background while written arrive
/// whole, under their final names only after `commit`, and a file given up leaves nothing.
@Suite("Atomic files")
struct AtomicFileTests {
    /// Deterministic bytes, different for each file.
    private static func content(_ seed: UInt8, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBufferPointer { out in
            for index in out.indices {
                out[index] = UInt8(truncatingIfNeeded: index &* 31 &+ Int(seed) &* 7 &+ (index >> 13))
            }
        }
        return bytes
    }

    @Test("several files of 0 to 17 MiB, committed together, arrive whole",
          arguments: [[0, 5, 1 << 16], [(8 << 20) + 1, 3, 17 << 20]])
    func commitTogether(sizes: [Int]) throws {
        try UnitSupport.withTemporaryDirectory { directory in
            let paths = sizes.indices.map { "\(directory)/out-\($0).csv" }
            let files = try paths.map { try AtomicFile(path: $0) }
            for (index, file) in files.enumerated() {
                let bytes = Self.content(UInt8(index), count: sizes[index])
                // In pieces of varied size, as rows arrive.
                var offset = 0
                var piece = 1
                while offset < bytes.count {
                    let end = min(bytes.count, offset + piece)
                    try file.write(bytes[offset..<end])
                    offset = end
                    piece = piece % 100_000 + 7_919
                }
                #expect(!FileManager.default.fileExists(atPath: paths[index]))
            }
            try AtomicFile.commit(files)
            for (index, path) in paths.enumerated() {
                let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                #expect(written == Self.content(UInt8(index), count: sizes[index]), "\(path)")
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
            #expect(left.isEmpty)
        }
    }

    @Test("a file given up after background syncs leaves no trace")
    func abandoned() throws {
        try UnitSupport.withTemporaryDirectory { directory in
            do {
                let file = try AtomicFile(path: "\(directory)/big.csv")
                try file.write(Self.content(1, count: 17 << 20))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }
}
