#if canImport(Glibc)
import Glibc
#endif

/// The run's exclusive lock: `flock` on a file beside the ledger, held until `deinit`
/// (or process exit, so a killed run never leaves it stuck).
public final class RunLock {
    public let path: String
    private let fd: Int32

    /// - Parameter wait: `nil` fails at once if another run holds the lock; else retries
    ///   for that many seconds.
    public init(path: String, wait: Double?) throws(RunError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw RunError.cannotCreate("\(path): cannot create the lock file: \(SystemError.text(errno))") }
        let deadline = ProgressLine.milliseconds() + UInt64(max(0, wait ?? 0) * 1000)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK else {
                close(fd)
                throw RunError.io("\(path): cannot lock: \(SystemError.text(code))")
            }
            if wait == nil || ProgressLine.milliseconds() >= deadline {
                close(fd)
                let waited = wait.map { " (waited \($0) s)" } ?? ""
                throw RunError.locked("\(path): another signbatch run holds the ledger lock\(waited)")
            }
            usleep(50_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
