#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads for small files (rules, ledger imports); batches are streamed instead.
public enum FileBytes {
    public static func read(_ path: String) throws(BatchError) -> [UInt8] {
        let input = try FileInput(path: path)
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = try input.read(into: chunk)
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    public static func exists(_ path: String, isDirectory: inout Bool) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        return true
    }
}
