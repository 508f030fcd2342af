/// Everything a run needs, decided by the executable from its options. The library never
/// parses arguments.
public struct Configuration: Sendable {
    /// Batch files and directories; empty means `Input/`.
    public var paths: [String] = []
    public var outputDirectory = "Output"
    /// `nil`: `<output>/ledger.sqlite`.
    public var ledgerPath: String?
    /// `nil`: the embedded rules.
    public var rulesPath: String?
    public var quota: Int?
    /// `nil`: follow each batch's input format.
    public var format: OutputFormat?
    /// `nil`: BOM, else UTF-8, else GB18030 when the bytes are not UTF-8.
    public var encoding: TextEncoding?
    /// `nil`: sniffed from each CSV header.
    public var delimiter: UInt8?
    /// `nil`: document paths are relative to each batch's directory.
    public var documentsDirectory: String?
    public var dryRun = false
    public var reprocess = false
    /// `nil`: a locked ledger fails the run at once (exit 75).
    public var waitSeconds: Double?
    public var quiet = false
    /// Show a progress line (only sensible when stderr is a terminal).
    public var progress = false

    public init() {}

    public var effectiveLedgerPath: String { ledgerPath ?? "\(outputDirectory)/ledger.sqlite" }
    public var effectivePaths: [String] { paths.isEmpty ? ["Input"] : paths }
}
