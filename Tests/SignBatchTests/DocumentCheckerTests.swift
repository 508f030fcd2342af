import CReadNoWait
import Foundation
import Testing
@testable import SignBatch

#if canImport(Glibc)
import Glibc
#endif

/// SPEC §1 and §2: certificate paths must stay inside the allowed directory (only the
/// resolved real path decides), and certificates are JPEG/PNG images of at most 5 MiB.
struct DocumentCheckerTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46]
    static let limit = 5 * 1024 * 1024

    /// `root/base` is the allowed directory; `root/outside.png` is a real image next to it.
    static func withFixture(_ body: (_ root: String, _ base: String) throws -> Void) throws {
        try UnitSupport.withTemporaryDirectory { root in
            let base = root + "/base"
            let fm = FileManager.default
            try fm.createDirectory(atPath: base + "/sub", withIntermediateDirectories: true)
            try UnitSupport.write(png, to: root + "/outside.png")
            try UnitSupport.write(png, to: base + "/ok.png")
            try UnitSupport.write(jpeg, to: base + "/ok.jpg")
            try UnitSupport.write(jpeg, to: base + "/sub/inner.jpg")
            try UnitSupport.write(Array("just some text".utf8), to: base + "/text.png")
            try UnitSupport.write([], to: base + "/empty.png")
            try UnitSupport.write(Array(png.prefix(4)), to: base + "/short.png")
            try UnitSupport.write([0xFF, 0xD8], to: base + "/short.jpg")
            try sparse(base + "/big.png", header: png, size: limit + 1)
            try sparse(base + "/exact.png", header: png, size: limit)
            try sparse(base + "/big.txt", header: Array("text".utf8), size: limit + 1)
            try fm.createSymbolicLink(atPath: base + "/out-link.png", withDestinationPath: "../outside.png")
            try fm.createSymbolicLink(atPath: base + "/abs-link.png", withDestinationPath: root + "/outside.png")
            try fm.createSymbolicLink(atPath: base + "/in-link.png", withDestinationPath: "sub/inner.jpg")
            try fm.createSymbolicLink(atPath: base + "/dir-link", withDestinationPath: root)
            try fm.createSymbolicLink(atPath: base + "/sub-link", withDestinationPath: "sub")
            try body(root, base)
        }
    }

    /// A file of `size` bytes that takes no disk space beyond its header.
    static func sparse(_ path: String, header: [UInt8], size: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw UnitSupport.POSIXFailure(what: "open \(path)", code: errno) }
        defer { close(fd) }
        guard header.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == header.count,
              ftruncate(fd, off_t(size)) == 0 else {
            throw UnitSupport.POSIXFailure(what: "write \(path)", code: errno)
        }
    }

    static func codes(_ checker: DocumentChecker, _ path: String, _ role: DocumentChecker.Role = .proof) -> [ReasonCode] {
        checker.check(path, role: role).map(\.code)
    }

    @Test(arguments: [
        "ok.png", "ok.jpg", "./ok.png", "sub/inner.jpg", "sub//inner.jpg", "exact.png",
        // `..` that ends inside, and symlinks that stay inside, are fine.
        "sub/../ok.png", "../base/ok.png", "sub/../sub/../ok.jpg", "in-link.png", "sub-link/inner.jpg",
        "dir-link/base/ok.png",
    ])
    func acceptedPaths(path: String) throws {
        try Self.withFixture { _, base in
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            #expect(Self.codes(checker, path) == [], "\(path)")
            #expect(Self.codes(checker, path, .commission) == [], "\(path)")
        }
    }

    @Test(arguments: [
        "../outside.png", "sub/../../outside.png", "out-link.png", "abs-link.png", "dir-link/outside.png",
        "sub-link/../../outside.png", "../missing.png", "nodir/../../outside.png", "..", "../",
    ])
    func pathsLeadingOutAreRefused(path: String) throws {
        try Self.withFixture { _, base in
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            // A refused path is not read: no not-found or format reason beside it.
            let proof = checker.check(path, role: .proof)
            #expect(proof.map(\.code) == [.documentPathInvalid], "\(path)")
            #expect(proof.first?.message.contains(path) == true)
            #expect(Self.codes(checker, path, .commission) == [.documentPathInvalid], "\(path)")
        }
    }

    /// Files in many directories: those looked up through a kept directory descriptor and
    /// those past the checker's limit of open directories get the same verdicts, and a
    /// symlink leading out is refused either way.
    @Test func manyDirectories() throws {
        try Self.withFixture { _, base in
            for index in 0..<40 {
                try FileManager.default.createDirectory(atPath: base + "/d\(index)", withIntermediateDirectories: true)
                try UnitSupport.write(Self.png, to: base + "/d\(index)/ok.png")
                try UnitSupport.write(Array("text".utf8), to: base + "/d\(index)/text.png")
                try FileManager.default.createSymbolicLink(atPath: base + "/d\(index)/out.png",
                                                           withDestinationPath: "../../outside.png")
            }
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            for index in 0..<40 {
                #expect(Self.codes(checker, "d\(index)/ok.png") == [], "d\(index)")
                #expect(Self.codes(checker, "d\(index)/text.png") == [.proofFormat], "d\(index)")
                #expect(Self.codes(checker, "d\(index)/out.png") == [.documentPathInvalid], "d\(index)")
                #expect(Self.codes(checker, "d\(index)/missing.png") == [.proofNotFound], "d\(index)")
            }
        }
    }

    @Test func absolutePathsAreRefusedEvenInside() throws {
        try Self.withFixture { root, base in
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            #expect(Self.codes(checker, base + "/ok.png") == [.documentPathInvalid])
            #expect(Self.codes(checker, root + "/outside.png") == [.documentPathInvalid])
            #expect(Self.codes(checker, "/nonexistent/x.png") == [.documentPathInvalid])
            #expect(Self.codes(checker, "/") == [.documentPathInvalid])
        }
    }

    @Test func missingFiles() throws {
        try Self.withFixture { _, base in
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            #expect(Self.codes(checker, "missing.png") == [.proofNotFound])
            #expect(Self.codes(checker, "nodir/missing.png") == [.proofNotFound])
            #expect(Self.codes(checker, "sub/../missing.png") == [.proofNotFound])
            #expect(Self.codes(checker, "missing.png", .commission) == [.commissionNotFound])
        }
    }

    @Test func emptyPathIsMissing() throws {
        try Self.withFixture { _, base in
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            #expect(Self.codes(checker, "") == [.proofMissing])
            #expect(Self.codes(checker, "", .commission) == [.commissionMissing])
        }
    }

    @Test(arguments: ["text.png", "empty.png", "short.png", "short.jpg", "sub", ".", "sub-link"])
    func notAnImage(path: String) throws {
        try Self.withFixture { _, base in
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            #expect(Self.codes(checker, path) == [.proofFormat], "\(path)")
            #expect(Self.codes(checker, path, .commission) == [.commissionFormat], "\(path)")
        }
    }

    @Test func tooLarge() throws {
        try Self.withFixture { _, base in
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            let findings = checker.check("big.png", role: .proof)
            #expect(findings.map(\.code) == [.proofTooLarge])
            #expect(findings.first?.message.contains("\(Self.limit + 1)") == true)
            #expect(findings.first?.message.contains("5 MiB") == true)
            #expect(Self.codes(checker, "big.png", .commission) == [.commissionTooLarge])
            // Both problems of one file are reported.
            #expect(Self.codes(checker, "big.txt") == [.proofFormat, .proofTooLarge])
            #expect(Self.codes(checker, "big.txt", .commission) == [.commissionFormat, .commissionTooLarge])
        }
    }

    @Test func sizeLimitComesFromTheCaller() throws {
        try Self.withFixture { _, base in
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.png.count - 1)
            #expect(Self.codes(checker, "ok.png") == [.proofTooLarge])
            let roomy = DocumentChecker(baseDirectory: base, maxBytes: Self.png.count)
            #expect(Self.codes(roomy, "ok.png") == [])
        }
    }

    @Test func baseDirectoryReachedThroughASymlink() throws {
        try Self.withFixture { root, base in
            try FileManager.default.createSymbolicLink(atPath: root + "/base-link", withDestinationPath: base)
            let checker = DocumentChecker(baseDirectory: root + "/base-link", maxBytes: Self.limit)
            #expect(Self.codes(checker, "ok.png") == [])
            #expect(Self.codes(checker, "../base/ok.png") == [])
            #expect(Self.codes(checker, "../outside.png") == [.documentPathInvalid])
            #expect(Self.codes(checker, "missing.png") == [.proofNotFound])
        }
    }

    @Test func magicBytes() {
        #expect(DocumentChecker.isImage(Self.png[...]))
        #expect(DocumentChecker.isImage(Self.jpeg[...]))
        #expect(DocumentChecker.isImage([0xFF, 0xD8, 0xFF][...]))
        #expect(!DocumentChecker.isImage([0xFF, 0xD8, 0xFE][...]))
        #expect(!DocumentChecker.isImage(Array(Self.png.prefix(7))[...]))
        #expect(!DocumentChecker.isImage(Array("GIF89a".utf8)[...]))
        #expect(!DocumentChecker.isImage(Array("%PDF-1.7".utf8)[...]))
        #expect(!DocumentChecker.isImage(ArraySlice<UInt8>()))
    }

    /// Checkers of one batch share what they examined: a path one of them saw is not
    /// examined again by the other (here the file is gone by then, and still counts as seen).
    /// A checker of its own examines afresh.
    @Test func checkersOfABatchShareVerdicts() throws {
        try Self.withFixture { _, base in
            let shared = DocumentChecker.SharedVerdicts()
            let first = DocumentChecker(baseDirectory: base, maxBytes: Self.limit, shared: shared)
            let second = DocumentChecker(baseDirectory: base, maxBytes: Self.limit, shared: shared)
            let alone = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            try FileManager.default.copyItem(atPath: base + "/ok.png", toPath: base + "/brief.png")
            #expect(Self.codes(first, "brief.png") == [])
            try FileManager.default.removeItem(atPath: base + "/brief.png")
            #expect(Self.codes(second, "brief.png") == [])
            #expect(Self.codes(alone, "brief.png") == [.proofNotFound])
        }
    }

    // MARK: Reading ahead

    /// `readAhead` then `check` of one path, as a chunk's evaluation makes them.
    static func codesReadAhead(_ checker: DocumentChecker, _ path: String,
                               _ role: DocumentChecker.Role = .proof) -> [ReasonCode] {
        path.withBytes { checker.readAhead(bytes: $0, hash: ByteHash.hash($0)) }
        return codes(checker, path, role)
    }

    /// Whether the first bytes of `path` are in the page cache; `nil` where the file system
    /// cannot tell (no `RWF_NOWAIT`).
    static func inMemory(_ path: String) -> Bool? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var byte: UInt8 = 0
        if creadnowait_pread(fd, &byte, 1, 0) >= 0 { return true }
        return errno == EAGAIN ? false : nil
    }

    /// Every kind of path gets the same reasons whether its check was begun ahead or not.
    @Test(arguments: [
        "ok.png", "ok.jpg", "sub/inner.jpg", "exact.png", "in-link.png", "sub-link/inner.jpg",
        "../outside.png", "out-link.png", "abs-link.png", "/etc/passwd", "..", "../missing.png",
        "missing.png", "sub/missing.jpg", "nodir/x.png", "text.png", "empty.png", "short.png",
        "short.jpg", "sub", ".", "sub-link", "big.png", "big.txt", "fifo.png",
    ])
    func readingAheadChangesNoVerdict(path: String) throws {
        try Self.withFixture { _, base in
            #expect(mkfifo(base + "/fifo.png", 0o644) == 0)
            let plain = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            let ahead = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            let expected = Self.codes(plain, path)
            #expect(Self.codesReadAhead(ahead, path) == expected, "\(path)")
            #expect(Self.codesReadAhead(ahead, path, .commission) == Self.codes(plain, path, .commission), "\(path)")
            // The FIFO was opened without blocking and never read: nothing waits on it.
            if path == "fifo.png" { #expect(expected == [.proofFormat]) }
        }
    }

    /// A certificate whose first bytes are in memory is settled by `readAhead` itself: here
    /// it is gone by the time its row is checked, and still counts as the image it was.
    @Test(.enabled(if: inMemoryIsKnown())) func readingAheadSettlesWhatIsInMemory() throws {
        try Self.withFixture { _, base in
            _ = Self.codes(DocumentChecker(baseDirectory: base, maxBytes: Self.limit), "text.png")
            #expect(Self.inMemory(base + "/ok.png") == true)
            #expect(Self.inMemory(base + "/text.png") == true)
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            for path in ["ok.png", "text.png"] {
                path.withBytes { checker.readAhead(bytes: $0, hash: ByteHash.hash($0)) }
                try FileManager.default.removeItem(atPath: base + "/" + path)
            }
            #expect(Self.codes(checker, "ok.png") == [])
            #expect(Self.codes(checker, "text.png") == [.proofFormat])
        }
    }

    static func inMemoryIsKnown() -> Bool {
        (try? UnitSupport.withTemporaryDirectory { directory in
            try UnitSupport.write(png, to: directory + "/probe.png")
            return inMemory(directory + "/probe.png") != nil
        }) ?? false
    }

    /// A chunk is read ahead only after one that met paths not yet checked.
    @Test func chunksAreReadAheadAfterMisses() throws {
        try Self.withFixture { _, base in
            let checker = DocumentChecker(baseDirectory: base, maxBytes: Self.limit)
            #expect(checker.beginChunk())
            _ = Self.codes(checker, "ok.png")
            #expect(checker.beginChunk())
            _ = Self.codes(checker, "ok.png")
            _ = Self.codes(checker, "")
            #expect(!checker.beginChunk())
            _ = Self.codes(checker, "ok.jpg")
            #expect(checker.beginChunk())
        }
    }
}
