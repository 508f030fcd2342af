/// Where an application ends up.
public enum Outcome: String, Sendable, CaseIterable {
    case accepted
    case rejected
    case needsDocuments = "needs_documents"

    /// Index in `allCases`.
    public var position: Int {
        switch self {
        case .accepted: 0
        case .rejected: 1
        case .needsDocuments: 2
        }
    }

    /// The output file's base name.
    public var fileStem: String {
        switch self {
        case .accepted: "accepted"
        case .rejected: "rejected"
        case .needsDocuments: "needs-documents"
        }
    }
}

/// An application with everything the pipeline found about it.
public struct Evaluation: Sendable {
    public var application: Application
    /// Rejection reasons first, then needs-documents reasons, each in the order found.
    public var reasons: [Finding]
    public var outcome: Outcome

    public init(application: Application, reasons: [Finding]) {
        self.application = application
        // Usually the reasons are already in order (or there are none): no new arrays.
        var rejected = false
        var ordered = true
        var needsDocuments = false
        // Codes read in place: iterating would copy each finding (retaining its message).
        reasons.withUnsafeBufferPointer { findings in
            for index in findings.indices {
                switch findings[index].code.severity {
                case .rejection:
                    rejected = true
                    if needsDocuments { ordered = false }
                case .needsDocuments:
                    needsDocuments = true
                case .warning:
                    ordered = false  // not a reason: dropped below
                }
            }
        }
        if ordered {
            self.reasons = reasons
        } else {
            self.reasons = reasons.filter { $0.code.severity == .rejection }
                + reasons.filter { $0.code.severity == .needsDocuments }
        }
        outcome = rejected ? .rejected : needsDocuments ? .needsDocuments : .accepted
    }
}
