#if canImport(Glibc)
import Glibc
#endif

/// A progress line on stderr, redrawn in place; only used when stderr is a terminal.
public final class ProgressLine {
    private var label = ""
    // Exclusivity unchecked: no access to it overlaps another, and the per-access
    // bookkeeping of class properties cost more per row than the work it guards.
    @exclusivity(unchecked) private var lastDraw: UInt64 = 0

    public init() {}

    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    func start(_ label: String) {
        self.label = label
        lastDraw = 0
    }

    func tick(_ rows: Int) {
        guard rows & 0x3FF == 0 else { return }
        let now = Self.milliseconds()
        guard now - lastDraw >= 200 else { return }
        lastDraw = now
        Standard.error("\r\u{1B}[K\(label): \(rows) rows", newline: false)
    }

    func finish() {
        if lastDraw > 0 { Standard.error("\r\u{1B}[K", newline: false) }
    }

    static func milliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
    }
}

/// Unbuffered writes to the standard streams.
public enum Standard {
    public static func error(_ text: String, newline: Bool = true) { write(STDERR_FILENO, newline ? text + "\n" : text) }
    public static func output(_ text: String, newline: Bool = true) { write(STDOUT_FILENO, newline ? text + "\n" : text) }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 { if errno == EINTR { continue } else { return } }
            offset += written
        }
    }
}
