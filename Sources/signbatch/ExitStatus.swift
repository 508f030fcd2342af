import SignBatch

/// The one place errors become exit codes (SPEC §7).
enum ExitStatus {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let cannotCreate: Int32 = 73
    static let ioError: Int32 = 74
    static let locked: Int32 = 75

    static func code(for error: RunError) -> Int32 {
        switch error {
        case .usage: usage
        case .noInput: noInput
        case .locked: locked
        case .cannotCreate: cannotCreate
        case .io: ioError
        }
    }

    static func code(for error: BatchError) -> Int32 {
        switch error.kind {
        case .malformed: dataError
        case .io: ioError
        case .cannotCreateOutput: cannotCreate
        }
    }

    /// Batches that failed do not stop the others; the run's exit is the first of 74, 73, 65
    /// that occurred at all.
    static func code(for reports: [Runner.BatchReport]) -> Int32 {
        let codes = Set(reports.compactMap { $0.failure.map(code(for:)) })
        return [ioError, cannotCreate, dataError].first(where: codes.contains) ?? 0
    }
}
