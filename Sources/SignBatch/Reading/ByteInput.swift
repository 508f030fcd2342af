#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream of bytes read in chunks. Readers pull from it so memory stays flat
/// whatever the size of the batch.
public protocol ByteInput: AnyObject {
    /// Fills `buffer` from the start; returns the count, 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(BatchError) -> Int
}

/// A file read with plain `read(2)`: the file descriptor is owned and closed in `deinit`.
public final class FileInput: ByteInput {
    public let path: String
    private let fd: Int32

    /// `offset` skips leading bytes (a byte-order mark).
    public init(path: String, offset: Int = 0) throws(BatchError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw BatchError(.io, path: path, "cannot open: \(SystemError.text(errno))") }
        if offset > 0, lseek(fd, off_t(offset), SEEK_SET) < 0 {
            let code = errno
            close(fd)
            throw BatchError(.io, path: path, "cannot seek: \(SystemError.text(code))")
        }
    }

    deinit { close(fd) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(BatchError) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw BatchError(.io, path: path, "read failed: \(SystemError.text(errno))")
        }
    }
}

/// Bytes already in memory (tests, fuzzing, small inputs).
public final class MemoryInput: ByteInput {
    private let bytes: [UInt8]
    private let maxRead: Int
    private var offset = 0

    /// - Parameter maxRead: hands out at most this many bytes per read, so a reader meets
    ///   a read boundary inside every quote pair, CR LF and multi-byte sequence.
    public init(_ bytes: [UInt8], maxRead: Int = .max) {
        self.bytes = bytes
        self.maxRead = max(1, maxRead)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(BatchError) -> Int {
        let count = min(buffer.count, bytes.count - offset, maxRead)
        if count > 0 {
            bytes.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
            }
        }
        offset += count
        return count
    }
}

enum SystemError {
    static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}
