#if canImport(Glibc)
import Glibc
#endif

/// A batch file of a run and where its outputs go.
public struct BatchSource: Sendable, Equatable {
    public enum Format: String, Sendable { case csv, xml }

    public var path: String
    public var format: Format

    /// The file name (`sample.csv`).
    public var fileName: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The file name without extension: the output directory's name.
    public var name: String {
        let file = fileName
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }

    public var directory: String { DocumentChecker.parent(of: path.hasPrefix("/") ? path : "./" + path) }

    public init(path: String, format: Format) {
        self.path = path
        self.format = format
    }

    static func format(ofName name: String) -> Format? {
        let lower = name.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".xml") { return .xml }
        return nil
    }

    /// SPEC §2: named files in the order given, each named directory expanded to its
    /// `*.csv` / `*.xml` files (not recursively, not dot-files) in byte order of their names.
    /// 66 for a path that does not exist or no batch at all; 64 for a named file that is
    /// not a batch or for two batches that would share an output directory.
    public static func locate(_ paths: [String]) throws(RunError) -> [BatchSource] {
        var batches: [BatchSource] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw RunError.noInput("\(path): no such file or directory")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                guard let directory = opendir(path) else {
                    throw RunError.io("\(path): cannot read the directory: \(SystemError.text(errno))")
                }
                var names: [String] = []
                while let entry = readdir(directory) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    guard !name.hasPrefix("."), format(ofName: name) != nil else { continue }
                    let full = path.hasSuffix("/") ? path + name : path + "/" + name
                    var entryInfo = stat()
                    guard stat(full, &entryInfo) == 0, (entryInfo.st_mode & S_IFMT) == S_IFREG else { continue }
                    names.append(name)
                }
                closedir(directory)
                names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                for name in names {
                    let full = path.hasSuffix("/") ? path + name : path + "/" + name
                    batches.append(BatchSource(path: full, format: format(ofName: name)!))
                }
            } else {
                guard let format = format(ofName: path) else {
                    throw RunError.usage("\(path): not a batch file (expected a .csv or .xml file)")
                }
                batches.append(BatchSource(path: path, format: format))
            }
        }
        if batches.isEmpty {
            throw RunError.noInput("no input found: no .csv or .xml batch in \(paths.joined(separator: ", "))")
        }
        var byName: [String: BatchSource] = [:]
        for batch in batches {
            if let other = byName[batch.name] {
                throw RunError.usage(
                    "\(other.path) and \(batch.path) would both write to the output directory '\(batch.name)'; rename one")
            }
            byName[batch.name] = batch
        }
        return batches
    }
}
