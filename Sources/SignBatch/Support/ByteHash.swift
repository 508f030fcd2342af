/// The hash of the byte-keyed tables (`ByteIndex`, which `ByteTable` is built on, and
/// `BatchHoldings`): eight bytes at a time, mixed with SplitMix64's finalizer and a seed
/// drawn once per process, so colliding keys cannot be prepared in advance. Much cheaper
/// than `Hasher` (SipHash) for short keys.
enum ByteHash {
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = seed ^ (UInt64(key.count) &* 0x9E37_79B9_7F4A_7C15)
        let count = key.count
        guard let base = key.baseAddress else { return mix(hash) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= count {
            hash = mix(hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                tail |= UInt64(base[offset]) << shift
                shift += 8
                offset += 1
            }
            hash = mix(hash ^ tail)
        }
        return mix(hash)
    }

    /// One hash of two hashes, `first` then `second` (the order matters).
    @inline(__always)
    static func combine(_ first: UInt64, _ second: UInt64) -> UInt64 {
        mix(first ^ (second &* 0xC2B2_AE3D_27D4_EB4F))
    }

    /// SplitMix64's finalizer: every input bit affects every output bit.
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static let seed = UInt64.random(in: .min ... .max)
}
