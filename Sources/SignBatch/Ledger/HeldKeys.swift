import Foundation

/// The signatures one account holds, as the ledger gives them to admission (SPEC §5): each
/// key's folded name and region, and its status. Admission files them, with the batch's own
/// keys, in `BatchHoldings`; here they are only a list, one record per key in a byte buffer
/// (its length, its flags, its name): no `String` per key.
public final class HeldKeys {
    public struct Holding: Equatable, Sendable {
        public var status: HeldStatus
        /// Admitted by the batch being decided.
        public var claimed: Bool

        public init(status: HeldStatus, claimed: Bool = false) {
            self.status = status
            self.claimed = claimed
        }
    }

    // A record: the name's length (UInt32, in memory only: native order), a flags byte (the
    // region, and the status above it), the name's bytes.
    private static let headerSize = 5
    private static let international: UInt8 = 1
    private static let statusShift: UInt8 = 2

    private var records: [UInt8] = []

    /// Keys listed. A ledger holds each key once.
    public private(set) var count = 0

    public init() {}

    public func insert(_ folded: String, international: Bool, status: HeldStatus) {
        folded.withBytes { insert($0, international: international, status: status) }
    }

    func insert(_ key: UnsafeBufferPointer<UInt8>, international: Bool, status: HeldStatus) {
        precondition(key.count < Int(UInt32.max), "a held name exceeds 4 GiB")
        withUnsafeBytes(of: UInt32(key.count)) { records.append(contentsOf: $0) }
        records.append(status.code << Self.statusShift | (international ? Self.international : 0))
        records.append(contentsOf: key)
        count += 1
    }

    /// Every key (its folded name and region) with its holding, in the order inserted.
    func forEach(_ body: (UnsafeBufferPointer<UInt8>, Bool, Holding) -> Void) {
        records.withUnsafeBytes { stored in
            var record = 0
            while record < stored.count {
                let length = Int(stored.loadUnaligned(fromByteOffset: record, as: UInt32.self))
                let name = stored.baseAddress!.assumingMemoryBound(to: UInt8.self) + record + Self.headerSize
                let flags = stored[record + 4]
                body(UnsafeBufferPointer(start: name, count: length), flags & Self.international != 0,
                     Holding(status: HeldStatus(code: flags >> Self.statusShift)))
                record += Self.headerSize + length
            }
        }
    }
}

extension HeldStatus {
    /// Two bits, for the byte records of `HeldKeys` and `BatchHoldings`.
    var code: UInt8 {
        switch self {
        case .existing: 0
        case .accepted: 1
        case .needsDocuments: 2
        }
    }

    init(code: UInt8) {
        self = switch code & 3 {
        case 1: .accepted
        case 2: .needsDocuments
        default: .existing
        }
    }
}
