/// A failure of the run as a whole, decided before (or instead of) processing batches.
/// The executable maps each case to its exit code in one place.
public enum RunError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Bad option, bad rules file, colliding batch names (exit 64).
    case usage(String)
    /// A named path does not exist, or no batch was found (exit 66).
    case noInput(String)
    /// Another run holds the ledger's lock (exit 75).
    case locked(String)
    /// The output directory or ledger cannot be created (exit 73).
    case cannotCreate(String)
    /// Reading or writing failed outside any one batch (exit 74).
    case io(String)

    public var description: String {
        switch self {
        case .usage(let message), .noInput(let message), .locked(let message),
             .cannotCreate(let message), .io(let message):
            message
        }
    }
}
