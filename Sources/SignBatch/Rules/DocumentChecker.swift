import CReadNoWait
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Certificate checks (SPEC §1, §2): a path must resolve inside the allowed directory (only
/// the fully resolved real path decides), and the file must be a JPEG or PNG by its magic
/// bytes, at most the size limit. A refused path is never opened. Each distinct path is
/// checked once per batch.
public final class DocumentChecker {
    public enum Role: Sendable {
        case proof, commission
        var field: String { self == .proof ? "document_file" : "commission_file" }
    }

    enum Verdict: Equatable {
        case ok
        case pathInvalid(String)
        case notFound
        /// Both may hold for one file.
        case problems(format: String?, tooLarge: Int?)
    }

    /// The directory paths are relative to, as given (for messages).
    public let baseDirectory: String
    private let realBase: String?
    private let maxBytes: Int
    private let cache = ByteTable<Verdict>(limit: DocumentChecker.cachedPaths)

    /// Verdicts kept per table. A large batch names a few paths per account (the
    /// benchmark's 10M rows name about 240k); a miss costs a handful of system calls, an
    /// entry about 100 bytes. Bounded so that a hostile batch of distinct paths cannot
    /// grow memory without limit (about 25 MB per table at most).
    static let cachedPaths = 262_144

    private let shared: SharedVerdicts?

    /// Verdicts shared by the checkers of one batch's threads, so each path is examined once
    /// per batch, not once per thread. Consulted only on a checker's own cache miss.
    public final class SharedVerdicts: @unchecked Sendable {
        private let lock = NSLock()
        private let verdicts = ByteTable<Verdict>(limit: DocumentChecker.cachedPaths)  // guarded by `lock`

        public init() {}

        func verdict(for path: String) -> Verdict? {
            lock.withLock { verdicts.value(for: path) }
        }

        func store(_ verdict: Verdict, for path: String) {
            lock.withLock { verdicts.insert(verdict, for: path) }
        }
    }

    public init(baseDirectory: String, maxBytes: Int, shared: SharedVerdicts? = nil) {
        self.baseDirectory = baseDirectory
        realBase = Self.realPath(baseDirectory)
        self.maxBytes = maxBytes
        self.shared = shared
    }

    /// Reasons for one document: `DOCUMENT_PATH_INVALID` (a rejection) or needs-documents codes.
    public func check(_ path: String, role: Role) -> [Finding] {
        path.withBytes { check(bytes: $0, role: role) }
    }

    /// `check` of a path given as its UTF-8 bytes: a `String` is made only on a cache miss
    /// or for a message.
    func check(bytes: UnsafeBufferPointer<UInt8>, role: Role) -> [Finding] {
        check(bytes: bytes, hash: ByteHash.hash(bytes), role: role)
    }

    /// `check(bytes:role:)` of a path whose `ByteHash` is known (see `prefetch`).
    func check(bytes: UnsafeBufferPointer<UInt8>, hash: UInt64, role: Role) -> [Finding] {
        if bytes.isEmpty {
            return [role == .proof
                ? Finding(.proofMissing, "no document_file: upload the proof certificate (a JPEG or PNG image)")
                : Finding(.commissionMissing, "sign_purpose is others but there is no commission_file: upload the power of attorney (a JPEG or PNG image)")]
        }
        let verdict: Verdict
        if let cached = cache.value(for: bytes, hash: hash) {
            verdict = cached
        } else {
            misses += 1
            let path = String(decoding: bytes, as: UTF8.self)
            if let known = shared?.verdict(for: path) {
                verdict = known
            } else {
                // Examined outside the lock: at worst both threads examine a path at once, and
                // reach the same verdict. Waiting for the disk, examining always reaches one.
                verdict = examine(path, .waiting)!
                shared?.store(verdict, for: path)
            }
            cache.insert(verdict, for: path)
        }
        switch verdict {
        case .ok:
            return []
        case .pathInvalid(let why):
            return [Finding(.documentPathInvalid, message: "\(role.field) '\(utf8: bytes)' is refused: \(why)")]
        case .notFound:
            return [Finding(role == .proof ? .proofNotFound : .commissionNotFound, message:
                            "\(role.field) '\(utf8: bytes)' does not exist (relative to \(baseDirectory))")]
        case .problems(let format, let tooLarge):
            var findings: [Finding] = []
            if let format {
                findings.append(Finding(role == .proof ? .proofFormat : .commissionFormat, message:
                                        "\(role.field) '\(utf8: bytes)' \(format); certificates must be JPEG or PNG images"))
            }
            if let tooLarge {
                findings.append(Finding(role == .proof ? .proofTooLarge : .commissionTooLarge, message:
                                        "\(role.field) '\(utf8: bytes)' is \(tooLarge) bytes; the limit is \(maxBytes) bytes (\(Self.mebibytes(maxBytes)))"))
            }
            return findings
        }
    }

    /// Starts the memory reads that checking paths of these hashes will make, for a batch of
    /// rows about to be checked.
    func prefetch(_ hashes: UnsafeBufferPointer<UInt64>) {
        cache.prefetch(hashes)
    }

    // MARK: Reading ahead

    /// Cache misses since the last `beginChunk`.
    private var misses = 1

    /// Starts a chunk of rows' checks. Whether its paths are worth `readAhead`: only when
    /// the chunk before it met paths not yet checked, so a batch whose certificates are all
    /// known costs no more than one cache lookup per path.
    func beginChunk() -> Bool {
        defer { misses = 0 }
        return misses > 0
    }

    /// Begins checking a path that a row of this chunk will check, so that the chunk's
    /// certificates not in the page cache are read from disk together, not one at a time
    /// as each row is checked (a batch's certificates are usually cold: the 1M benchmark's
    /// 13,333 files took a dry run from 1.7 s to 2.3 s). The path is examined as `check`
    /// would examine it, reading only what is in memory: the verdict it reaches is the
    /// one `check` would reach, and for a file whose first bytes are not in memory the
    /// kernel is asked for them, and the row's `check` examines it again, by then most
    /// likely without waiting. No descriptor is held past the call, so it cannot make
    /// another open fail.
    func readAhead(bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) {
        // A full cache would not keep what is settled here, and `check` would examine the
        // path again (a hostile batch of distinct paths).
        guard cache.count < cache.limit, !bytes.isEmpty, cache.value(for: bytes, hash: hash) == nil else { return }
        let path = String(decoding: bytes, as: UTF8.self)
        guard shared?.verdict(for: path) == nil, let verdict = examine(path, .fromMemory) else { return }
        shared?.store(verdict, for: path)
        cache.insert(verdict, for: path)
    }

    /// How `examine` reads a certificate's first bytes.
    private enum Reading {
        /// Waiting for the disk if need be: a verdict is always reached.
        case waiting
        /// Only from the page cache (`RWF_NOWAIT`): no verdict when the bytes are not there,
        /// and the kernel is asked to read them.
        case fromMemory
    }

    private func examine(_ path: String, _ reading: Reading) -> Verdict? {
        if path.hasPrefix("/") { return .pathInvalid("absolute paths are not allowed; give a path relative to \(baseDirectory)") }
        if path.utf8.contains(0) { return .pathInvalid("the path contains a NUL byte") }
        guard let realBase else { return .pathInvalid("the directory \(baseDirectory) cannot be resolved") }
        if let (directory, name) = quickResolve(path, under: realBase) {
            // Opened without following a symlink: a plain file's real path is its directory's
            // plus its name. A symlink (ELOOP), or any failure but a missing file, is left to
            // the full resolution, which decides where it leads.
            let fd = Self.openFile(name, in: directory, flags: O_NOFOLLOW)
            if fd >= 0 || errno == ENOENT { return inspect(fd, reading) }
        }
        guard let resolved = Self.resolve(path, under: realBase) else {
            return .pathInvalid("the path cannot be resolved")
        }
        guard resolved.path == realBase || resolved.path.hasPrefix(realBase == "/" ? "/" : realBase + "/") else {
            return .pathInvalid("it leads outside \(baseDirectory)")
        }
        guard resolved.exists else { return .notFound }
        return inspect(Self.openFile(resolved.path, in: AT_FDCWD), reading)
    }

    /// A directory under the base, resolved once: its real path, and a descriptor for it
    /// (-1 past `maxOpenDirectories`), through which its files are looked up by name alone
    /// instead of by a path the kernel would walk again for every file.
    private struct Directory {
        let path: String
        let descriptor: Int32
    }

    /// Directories under the base, resolved once (`nil`: outside or missing).
    private var directories: [Substring: Directory?] = [:]
    private var openDirectories = 0
    private static let maxOpenDirectories = 32

    deinit {
        for case let directory? in directories.values where directory.descriptor >= 0 {
            close(directory.descriptor)
        }
    }

    /// The common case without walking every component: a file name in a directory already
    /// resolved, as that directory (a descriptor, or `AT_FDCWD` with the name made a full
    /// path) and the name. `nil` when the full resolution must decide.
    private func quickResolve(_ path: String, under realBase: String) -> (directory: Int32, name: String)? {
        let slash = path.lastIndex(of: "/")
        let name = slash.map { path[path.index(after: $0)...] } ?? Substring(path)
        let directory = slash.map { path[..<$0] } ?? ""
        guard !name.isEmpty, name != ".", name != "..", !directory.split(separator: "/").contains("..") else { return nil }
        let resolved: Directory?
        if let cached = directories[directory] {
            resolved = cached
        } else {
            if let real = directory.isEmpty ? realBase : Self.realPath(realBase + "/" + directory),
               real == realBase || real.hasPrefix(realBase == "/" ? "/" : realBase + "/") {
                var descriptor: Int32 = -1
                if openDirectories < Self.maxOpenDirectories {
                    descriptor = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                    if descriptor >= 0 { openDirectories += 1 }
                }
                resolved = Directory(path: real, descriptor: descriptor)
            } else {
                resolved = nil
            }
            if directories.count < 65_536 {
                directories[directory] = resolved
            } else if let resolved, resolved.descriptor >= 0 {
                // Not kept, so not left open (the next lookup resolves it again).
                close(resolved.descriptor)
                openDirectories -= 1
            }
        }
        guard let resolved else { return nil }
        return resolved.descriptor >= 0
            ? (resolved.descriptor, String(name)) : (AT_FDCWD, resolved.path + "/" + name)
    }

    /// Opens `path`, relative to `directory` or a full path with `AT_FDCWD` (non-blocking: a
    /// FIFO must not stall the run); the descriptor, or -1 with `errno` set.
    private static func openFile(_ path: String, in directory: Int32, flags: Int32 = 0) -> Int32 {
        openat(directory, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags)
    }

    /// Checks the file `openFile` gave (closing it), or the reason it gave none: `errno` must
    /// still be the one it set.
    private func inspect(_ fd: Int32, _ reading: Reading) -> Verdict? {
        if fd < 0 {
            if errno == ENOENT { return .notFound }
            return .problems(format: "cannot be read (\(SystemError.text(errno)))", tooLarge: nil)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            return .problems(format: "cannot be read (\(SystemError.text(errno)))", tooLarge: nil)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .problems(format: "is not a regular file", tooLarge: nil)
        }
        let size = Int(info.st_size)
        var magic = [UInt8](repeating: 0, count: 8)
        let count: Int
        switch reading {
        case .waiting:
            count = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 8, 0) }
        case .fromMemory:
            count = magic.withUnsafeMutableBytes { creadnowait_pread(fd, $0.baseAddress, 8, 0) }
            guard count == 8 || (count >= 0 && count >= size) else {
                // Not in memory (or a file system without RWF_NOWAIT): the disk read starts now.
                _ = posix_fadvise(fd, 0, 8, POSIX_FADV_WILLNEED)
                return nil
            }
        }
        var format: String?
        if count < 0 {
            format = "cannot be read (\(SystemError.text(errno)))"
        } else if !Self.isImage(magic.prefix(count)) {
            format = "is not a JPEG or PNG image by its content"
        }
        let verdict = Verdict.problems(format: format, tooLarge: size > maxBytes ? size : nil)
        return verdict == .problems(format: nil, tooLarge: nil) ? .ok : verdict
    }

    static func isImage(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.starts(with: [0xFF, 0xD8, 0xFF]) || bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    static func mebibytes(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The real path of `relative` under `base`: symlinks of every existing prefix followed,
    /// the part that does not exist (if any) applied lexically.
    static func resolve(_ relative: String, under base: String) -> (path: String, exists: Bool)? {
        let joined = base + "/" + relative
        if let real = realPath(joined) { return (real, true) }
        var current = base
        var components = relative.split(separator: "/", omittingEmptySubsequences: true)[...]
        var exists = true
        while let component = components.first {
            components = components.dropFirst()
            if component == "." { continue }
            if component == ".." {
                current = parent(of: current)
                continue
            }
            let candidate = (current == "/" ? "" : current) + "/" + component
            if exists, let real = realPath(candidate) {
                current = real
            } else {
                var info = stat()
                if exists, lstat(candidate, &info) == 0 {
                    // Exists but cannot be resolved: a dangling symlink or no permission.
                    if (info.st_mode & S_IFMT) == S_IFLNK { return nil }
                }
                exists = false
                current = candidate
            }
        }
        return (current, exists)
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), path != "/" else { return "/" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
