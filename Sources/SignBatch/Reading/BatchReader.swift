/// A source of applications, whatever the batch format: everything after reading is shared.
public protocol BatchReader: AnyObject {
    /// Known once the reader is created (it reads the CSV header / XML root up front).
    var layout: BatchLayout { get }
    /// Batch-level warnings (`UNKNOWN_COLUMN`), known once the reader is created.
    var warnings: [Finding] { get }
    /// The next application, or `nil` at the end of the batch.
    func next() throws(BatchError) -> RawApplication?
}
