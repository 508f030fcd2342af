/// A batch-level or run-level failure. Per-row problems are `Finding`s; this is only for
/// what stops a whole batch (or run), and it always says where.
public struct BatchError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The batch cannot be read as a batch (exit 65).
        case malformed
        /// Reading or writing failed (exit 74).
        case io
        /// An output could not be created (exit 73).
        case cannotCreateOutput
    }

    public var kind: Kind
    public var path: String
    /// 0 when the failure has no line (a file that cannot be opened).
    public var line: Int
    public var message: String

    public init(_ kind: Kind, path: String, line: Int = 0, _ message: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)"
    }
}
