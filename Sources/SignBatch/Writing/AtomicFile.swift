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
    private var buffer: [UInt8] = []
    private let bufferLimit = 1 << 16
    private var committed = false

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
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flush, fsync, close and rename into place.
    public func commit() throws(BatchError) {
        try flush()
        if fsync(fd) != 0 { throw BatchError(.io, path: path, "fsync failed: \(SystemError.text(errno))") }
        close(fd)
        fd = -1
        if rename(temporaryPath, path) != 0 {
            throw BatchError(.io, path: path, "cannot rename into place: \(SystemError.text(errno))")
        }
        committed = true
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
