/// The scalars of valid UTF-8 bytes, for checks that walk a field's scalars without making
/// a `String` of it. A byte that does not decode ends the walk.
struct UTF8Scalars: IteratorProtocol {
    private var bytes: UnsafeBufferPointer<UInt8>.Iterator
    private var decoder = UTF8()

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes.makeIterator()
    }

    mutating func next() -> Unicode.Scalar? {
        switch decoder.decode(&bytes) {
        case .scalarValue(let scalar): scalar
        case .emptyInput, .error: nil
        }
    }
}
