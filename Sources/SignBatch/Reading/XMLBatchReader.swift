/// Reads an XML batch through libxml2. (Being built.)
public final class XMLBatchReader: BatchReader {
    public let layout = BatchLayout()
    public let warnings: [Finding] = []
    public init(path: String, limits: RulesFile.InputLimits) throws(BatchError) {
        throw BatchError(.malformed, path: path, "XML batches are not read yet")
    }
    public func next() throws(BatchError) -> RawApplication? { nil }
}
