import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// An output file written under a temporary name in its final directory, then flushed,
/// fsynced and renamed into place: a reader (or a run killed at any instant) sees the
/// previous complete file or the new complete one, never a torn one. Writes are buffered.
public final class AtomicFile {
    public let path: String
    private let temporaryPath: String
    private var fd: Int32
    // Exclusivity unchecked: no access to it overlaps another, and the per-access
    // bookkeeping of class properties cost more per row than the work it guards.
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    private let bufferLimit = 1 << 16
    private var committed = false
    /// Bytes handed to the kernel so far, and how many of them a background `fdatasync`
    /// was started for. A batch's outputs reach 100 MB and more, and an fsync's time grows
    /// with the data not yet on disk (about 0.1 s per 100 MB here, even when the kernel has
    /// already written it back: the disk's own cache is flushed). Synced on another thread
    /// as the file grows, while the batch is still being processed, the file's `fsync` at
    /// the end waits only for its last few megabytes.
    @exclusivity(unchecked) private var flushedBytes = 0
    @exclusivity(unchecked) private var syncRequested = 0
    private static let syncStep = 8 << 20
    /// The file's syncs in flight (one at most while it is written, then its final fsync);
    /// `fd` stays open until they are done.
    private let syncs = DispatchGroup()
    /// The first error a sync met (guarded by `syncs`: written before a sync leaves the
    /// group, read after waiting for it). Linux reports a write-back error to one fsync
    /// only, so a background sync's error is kept for `commit`.
    private let syncFailure = SyncFailure()
    /// Concurrent: several files' final fsyncs wait on the disk together.
    private static let syncQueue = DispatchQueue(label: "signbatch.output-sync", qos: .utility,
                                                 attributes: .concurrent)

    public init(path: String) throws(BatchError) {
        self.path = path
        let directory = DocumentChecker.parent(of: path)
        let name = String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...]).drop { $0 == "/" }
        temporaryPath = "\(directory)/.\(name).tmp-\(getpid())"
        unlink(temporaryPath)
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            throw BatchError(.cannotCreateOutput, path: path, "cannot create \(temporaryPath): \(SystemError.text(errno))")
        }
        buffer.reserveCapacity(bufferLimit + 4096)
    }

    deinit {
        syncs.wait()
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
    }

    @inline(__always)
    public func write(_ bytes: some Sequence<UInt8>) throws(BatchError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= bufferLimit { try flush() }
    }

    public func write(_ text: String) throws(BatchError) {
        try write(text.utf8)
    }

    private func flush() throws(BatchError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw BatchError(.io, path: path, "write failed: \(SystemError.text(errno))")
            }
            offset += written
        }
        flushedBytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
        // At most one sync in flight per file: a slow disk gets fewer, larger ones.
        if flushedBytes - syncRequested >= Self.syncStep, syncs.wait(timeout: .now()) == .success {
            let synced = syncRequested..<flushedBytes
            syncRequested = flushedBytes
            startSync(fdatasync, thenDrop: synced)
        }
    }

    /// Runs `sync` (`fsync` or `fdatasync`) on the file in the background, in `syncs`.
    ///
    /// After a successful sync, the pages of `drop` (bytes written before it started, and
    /// never written again: the file only grows) are clean, and are dropped from the page
    /// cache. A batch's outputs would otherwise fill it with hundreds of megabytes that the
    /// run never reads again, each written into a freshly allocated page; dropped, the
    /// pages are free for the rest of the file's writes to reuse while the memory is still
    /// warm, and the run leaves the machine's cache to other work. Only whole pages inside
    /// the range go; what was written after the latest background sync started stays (all
    /// of a file under `syncStep`).
    private func startSync(_ sync: @escaping @Sendable (Int32) -> Int32, thenDrop drop: Range<Int> = 0..<0) {
        let (fd, failure) = (fd, syncFailure)
        Self.syncQueue.async(group: syncs) {
            if sync(fd) != 0 {
                if failure.errno == 0 { failure.errno = errno }
            } else if !drop.isEmpty {
                // Advice only: its failure changes nothing the run writes.
                _ = posix_fadvise(fd, off_t(drop.lowerBound), off_t(drop.count), POSIX_FADV_DONTNEED)
            }
        }
    }

    /// Flush, fsync, close and rename into place.
    public func commit() throws(BatchError) {
        try Self.commit([self])
    }

    /// `commit()` of each file, their fsyncs waited for together (a disk takes several
    /// flushes at once about as fast as one), then the renames in the order given. Nothing
    /// is renamed unless every file was flushed and synced.
    public static func commit(_ files: [AtomicFile]) throws(BatchError) {
        for file in files {
            try file.flush()
            file.startSync(fsync)
        }
        for file in files {
            file.syncs.wait()
            if file.syncFailure.errno != 0 {
                throw BatchError(.io, path: file.path, "fsync failed: \(SystemError.text(file.syncFailure.errno))")
            }
        }
        for file in files {
            close(file.fd)
            file.fd = -1
            if rename(file.temporaryPath, file.path) != 0 {
                throw BatchError(.io, path: file.path, "cannot rename into place: \(SystemError.text(errno))")
            }
            file.committed = true
        }
    }

    /// Makes renames in `directory` durable.
    public static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// Removes `.NAME.tmp-PID` files a killed run left behind. Only call under the run lock.
    public static func removeStaleTemporaries(in directory: String) {
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        var stale: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("."), name.contains(".tmp-") { stale.append(name) }
        }
        for name in stale { unlink("\(directory)/\(name)") }
    }

    /// `mkdir -p`; failure is `cannotCreateOutput`.
    public static func makeDirectory(_ path: String) throws(BatchError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw BatchError(.cannotCreateOutput, path: path, "cannot create directory \(current): \(SystemError.text(errno))")
            }
        }
        var info = stat()
        if stat(path, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR {
            throw BatchError(.cannotCreateOutput, path: path, "\(path) is not a directory")
        }
    }
}

/// The first error of an `AtomicFile`'s syncs (see `AtomicFile.syncFailure`).
private final class SyncFailure: @unchecked Sendable {
    var errno: Int32 = 0
}
