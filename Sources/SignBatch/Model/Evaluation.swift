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
        let rejections = reasons.filter { $0.code.severity == .rejection }
        let needs = reasons.filter { $0.code.severity == .needsDocuments }
        self.reasons = rejections + needs
        outcome = !rejections.isEmpty ? .rejected : !needs.isEmpty ? .needsDocuments : .accepted
    }
}
