import Foundation
import Testing
@testable import SignBatch

/// The ledger identifies a batch by the SHA-256 of its bytes (SPEC §5): the digest must be
/// the standard one whatever the chunking of the input.
struct SHA256Tests {
    static func digest(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return SHA256.hex(hasher.finalize())
    }

    /// The portable Swift path, whatever the CPU.
    static func fallbackDigest(_ bytes: [UInt8]) -> String {
        var hasher = SHA256(useHardware: false)
        hasher.update(bytes)
        return SHA256.hex(hasher.finalize())
    }

    /// Feeds `bytes` in pieces of random sizes up to `maxPiece` (zero-length pieces included).
    static func digest(_ bytes: [UInt8], useHardware: Bool, maxPiece: Int,
                       using rng: inout SplitMix64) -> String {
        var hasher = SHA256(useHardware: useHardware)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let piece = min(Int(rng.next() % UInt64(maxPiece + 1)), raw.count - offset)
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + piece]))
                offset += piece
            }
        }
        return SHA256.hex(hasher.finalize())
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func standardVectors(text: String, hex: String) {
        #expect(Self.digest(Array(text.utf8)) == hex)
        #expect(Self.fallbackDigest(Array(text.utf8)) == hex)
    }

    /// Lengths around the 55/56/64-byte padding edges, digests from `sha256sum`.
    @Test(arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
        (127, "c57e9278af78fa3cab38667bef4ce29d783787a2f731d4e12200270f0c32320a"),
        (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
        (1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
    ])
    func paddingEdges(length: Int, hex: String) {
        let bytes = [UInt8](repeating: 0x61, count: length)
        #expect(Self.digest(bytes) == hex)
        // Fed one byte at a time: the partial-block path must give the same digest.
        var hasher = SHA256()
        for byte in bytes { hasher.update([byte]) }
        #expect(SHA256.hex(hasher.finalize()) == hex)
    }

    @Test func millionAs() {
        let hex = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(Self.digest([UInt8](repeating: 0x61, count: 1_000_000)) == hex)
        #expect(Self.fallbackDigest([UInt8](repeating: 0x61, count: 1_000_000)) == hex)
    }

    /// A CPU that advertises SHA-NI must get the hardware path; otherwise a broken CPUID
    /// check would silently leave every test below comparing the fallback with itself.
    @Test func hardwarePathIsUsedWhenTheCPUHasIt() throws {
        #if os(Linux) && arch(x86_64)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flagsLine = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let advertised = flags.isSuperset(of: ["sha_ni", "sse4_1", "ssse3"])
        #expect(SHA256.hardwareAvailable == advertised)
        #endif
    }

    /// Every length from 0 to 1000, in random pieces: the hardware path must match the
    /// portable one, including the pending-block and padding paths.
    @Test func hardwareMatchesFallbackOnShortInputs() {
        var rng = SplitMix64(state: 0x5348_4132_3536)
        for length in 0...1000 {
            let bytes = rng.bytes(length)
            let maxPiece = [1, 3, 63, 64, 65, 200, 1000][length % 7]
            let hardware = Self.digest(bytes, useHardware: true, maxPiece: maxPiece, using: &rng)
            let fallback = Self.digest(bytes, useHardware: false, maxPiece: maxPiece, using: &rng)
            #expect(hardware == fallback, "length \(length), pieces up to \(maxPiece)")
            #expect(hardware == Self.fallbackDigest(bytes), "length \(length), one piece")
        }
    }

    @Test(arguments: [1 << 20, 3 * (1 << 20) + 37, 4 * (1 << 20) - 1])
    func hardwareMatchesFallbackOnLargeInputs(length: Int) {
        var rng = SplitMix64(state: UInt64(length))
        let bytes = rng.bytes(length)
        let whole = Self.digest(bytes)
        #expect(whole == Self.fallbackDigest(bytes))
        for maxPiece in [100, 70_000, 1 << 20] {
            #expect(Self.digest(bytes, useHardware: true, maxPiece: maxPiece, using: &rng) == whole,
                    "pieces up to \(maxPiece)")
        }
    }

    @Test func everySplitOfTheInputGivesTheSameDigest() {
        let bytes = (0..<4).flatMap { _ in (0...255).map { UInt8($0) } }
        let hex = "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9"
        #expect(Self.digest(bytes) == hex)
        for first in [1, 7, 55, 63, 64, 65, 128, 500, 1023] {
            for second in [0, 1, 9, 64, 100] {
                var hasher = SHA256()
                let a = bytes[..<first], b = bytes[first..<min(first + second, bytes.count)], c = bytes[min(first + second, bytes.count)...]
                for part in [a, b, c] { hasher.update(Array(part)) }
                #expect(SHA256.hex(hasher.finalize()) == hex, "split at \(first)+\(second)")
            }
        }
    }

    @Test func fingerprintHashesTheWholeInput() throws {
        let bytes = [UInt8](repeating: 0x61, count: 1000)
        let fingerprint = try BatchFingerprint.scan(MemoryInput(bytes, maxRead: 37))
        #expect(fingerprint.sha256 == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        #expect(fingerprint.size == 1000)
        #expect(fingerprint.leadingBytes == [0x61, 0x61, 0x61, 0x61])
        let bom = try BatchFingerprint.scan(MemoryInput([0xEF, 0xBB, 0xBF, 0x61, 0x62], maxRead: 1))
        #expect(bom.leadingBytes == [0xEF, 0xBB, 0xBF, 0x61])
    }

    /// A file is hashed on a second thread while this one takes the census: the result is
    /// the same as one pass over the same bytes in memory, for files of several chunks.
    @Test func fingerprintOfAFileMatchesOnePassInMemory() throws {
        var rng = SplitMix64(state: 9)
        var bytes = Array(String(repeating: "腾讯云,Tencent Cloud\n", count: 150_000).utf8)
        bytes[1_234_567] = 0xFF
        bytes += rng.bytes(12_345)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fingerprint-\(UInt32.random(in: 0...UInt32.max))").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try BatchFingerprint.scan(path: path)
        let inMemory = try BatchFingerprint.scan(MemoryInput(bytes))
        #expect(fromFile.sha256 == inMemory.sha256 && fromFile.sha256.count == 64)
        // And both read their chunks as one digest of the whole file would.
        #expect(fromFile.sha256 == Self.digest(bytes))
        #expect(fromFile.size == bytes.count)
        #expect(fromFile.leadingBytes == inMemory.leadingBytes)
        #expect(fromFile.utf8.firstInvalidOffset == inMemory.utf8.firstInvalidOffset)
        #expect(fromFile.utf8.multibyte == inMemory.utf8.multibyte && fromFile.utf8.invalid == inMemory.utf8.invalid)
    }

    /// The two reads of a file (census here, hash on the other thread) must see the same
    /// bytes: a file that grows or shrinks between them fails the batch instead of
    /// recording a hash of bytes other than those processed.
    @Test func aFileThatChangesBetweenItsReadsIsRefused() {
        final class Opener: @unchecked Sendable {
            private let lock = NSLock()
            private var opened = 0
            /// The first read sees 1000 bytes, the second one more, whichever thread asks first.
            func open(_ path: String) -> ByteInput {
                lock.lock()
                defer { lock.unlock() }
                opened += 1
                return MemoryInput([UInt8](repeating: 0x61, count: 999 + opened))
            }
        }
        let opener = Opener()
        #expect {
            _ = try BatchFingerprint.scan(path: "batch.csv") { opener.open($0) }
        } throws: { error in
            (error as? BatchError)?.description.contains("the file changed while it was being read") == true
        }
        // The same input on both reads passes.
        let steady = try? BatchFingerprint.scan(path: "batch.csv") { _ in MemoryInput(Array("a,b\n".utf8)) }
        #expect(steady?.size == 4)
    }

    @Test func utf8CensusAcrossChunks() throws {
        let text = Array("腾讯云 Tencent Cloud 😀 é".utf8)
        let fingerprint = try BatchFingerprint.scan(MemoryInput(text, maxRead: 1))
        #expect(fingerprint.utf8.isValid)
        #expect(fingerprint.utf8.multibyte == 5)
        // A sequence cut off by the end of the input is invalid.
        #expect(try !BatchFingerprint.scan(MemoryInput(Array(text.dropLast()), maxRead: 1)).utf8.isValid)
        #expect(!Self.isValidUTF8([0xED, 0xA0, 0x80][...]))  // a UTF-16 surrogate
        #expect(!Self.isValidUTF8([0xC0, 0xAF][...]))        // an overlong form
        #expect(Self.isValidUTF8([0xF4, 0x8F, 0xBF, 0xBF][...]))
        #expect(!Self.isValidUTF8([0xF4, 0x90, 0x80, 0x80][...]))
    }

    /// The census's first invalid offset is where the standard library's UTF-8 parser stops,
    /// on random mixes of valid sequences, stray continuation bytes, cut sequences and bytes
    /// UTF-8 never uses; and it is counted across chunks. Sequences whole in one chunk take
    /// a shortcut, so the counts are compared with a byte-at-a-time scan too.
    @Test func utf8CensusFindsTheFirstInvalidSequence() {
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array("腾".utf8), Array("é".utf8), Array("😀".utf8), Array("abcdefghij".utf8),
            [0x80], [0xBF], [0xC0, 0xAF], [0xE8, 0x85], [0xF0, 0x9F], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF],
            [0xE0, 0x9F, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF5, 0x80, 0x80, 0x80], Array("ЖЖ".utf8),
        ]
        func reference(_ bytes: [UInt8]) -> Int? {
            var iterator = bytes.makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            var offset = 0
            while true {
                switch parser.parseScalar(from: &iterator) {
                case .valid(let scalar): offset += scalar.count
                case .emptyInput: return nil
                case .error: return offset
                }
            }
        }
        var rng = SplitMix64(state: 3)
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...6, using: &rng) { bytes += pieces.randomElement(using: &rng)! }
            let whole = bytes.withUnsafeBufferPointer { UTF8Census.firstInvalidOffset(in: $0) }
            #expect(whole == reference(bytes), "\(bytes)")
            #expect(bytes.withUnsafeBufferPointer(UTF8Census.isValid) == (whole == nil), "\(bytes) isValid")
            var inOneChunk = UTF8Census()
            bytes.withUnsafeBytes { inOneChunk.scan($0) }
            inOneChunk.finish()
            var census = UTF8Census()
            for byte in bytes { withUnsafeBytes(of: byte) { census.scan($0) } }
            census.finish()
            #expect(census.firstInvalidOffset == whole, "\(bytes) byte by byte")
            #expect(census.multibyte == inOneChunk.multibyte && census.invalid == inOneChunk.invalid, "\(bytes) counts")
        }
    }

    static func isValidUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        Array(bytes).withUnsafeBufferPointer { buffer in
            let valid = UTF8Census.firstInvalidOffset(in: buffer) == nil
            #expect(UTF8Census.isValid(buffer) == valid, "\(Array(bytes))")
            return valid
        }
    }
}
