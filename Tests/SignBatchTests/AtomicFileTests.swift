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

    @Test("the pages a background sync wrote are dropped from the page cache")
    func syncedPagesDropped() throws {
        try UnitSupport.withTemporaryDirectory { directory in
            // tmpfs pages are the file itself: nothing to drop there.
            guard !["tmpfs", "ramfs"].contains(Self.fileSystemType(of: directory)) else { return }
            let path = "\(directory)/big.csv"
            let file = try AtomicFile(path: path)
            try file.write(Self.content(2, count: 24 << 20))
            try AtomicFile.commit([file])
            // The first background sync covers the first 8 MiB; commit waited for it.
            let first = 8 << 20
            let fd = open(path, O_RDONLY)
            #expect(fd >= 0)
            defer { close(fd) }
            let mapped = mmap(nil, first, PROT_READ, MAP_SHARED, fd, 0)
            #expect(mapped != MAP_FAILED)
            defer { munmap(mapped, first) }
            let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
            var resident = [UInt8](repeating: 0, count: first / pageSize)
            #expect(mincore(mapped, first, &resident) == 0)
            let kept = resident.filter { $0 & 1 != 0 }.count
            #expect(kept < resident.count / 8, "\(kept) of the first \(resident.count) pages still cached")
            // And the file is whole.
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == Self.content(2, count: 24 << 20))
        }
    }

    /// The type `/proc/mounts` gives the mount holding `path` (the longest mount point
    /// that is a prefix of it).
    private static func fileSystemType(of path: String) -> String {
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        var best = (point: "", type: "")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 2 else { continue }
            let point = String(fields[1])
            let inside = point == "/" || path == point || path.hasPrefix(point + "/")
            if inside, point.count > best.point.count { best = (point, String(fields[2])) }
        }
        return best.type
    }
}
