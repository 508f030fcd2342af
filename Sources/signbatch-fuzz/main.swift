#if canImport(Glibc)
import Glibc
#endif
import SignBatch

// Usage: signbatch-fuzz TARGET [libFuzzer options | input files...]
//   TARGET: csv, xml or normalizer.
// Built with SIGNBATCH_FUZZ (make fuzz) it runs libFuzzer on the target; built normally
// it feeds each named file to the target once (a crash reproduces as a crash).
//
//        signbatch-fuzz tokenize [--delimiter C] [--chunk N] FILE...
// prints what CSVTokenizer makes of each file, for the differential test against
// Python's csv module (Scripts/difftest/csv_diff.py). It never runs under libFuzzer.

/// A JSON string literal. Field bytes are decoded leniently: the differential test feeds
/// UTF-8 only, and a replacement character in the output is then itself a disagreement.
func jsonString(_ bytes: some Collection<UInt8>) -> String {
    var out = "\""
    for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// One JSON line per file (`{"file":…}`), then one per record:
/// `{"line":L,"blank":B,"fields":[…]}` plus `"problem"` when the record has one, or a final
/// `{"error":…,"line":L}` when the file cannot be tokenized to its end.
func tokenize(_ options: ArraySlice<String>) -> Int32 {
    var delimiter: UInt8 = 0x2C
    var chunkSize = 1 << 20
    var files: [String] = []
    var rest = options
    while let option = rest.popFirst() {
        switch option {
        case "--delimiter":
            // The tokenizer splits bytes, so only a one-byte (ASCII) delimiter means anything.
            guard let value = rest.popFirst(), value.utf8.count == 1 else {
                Standard.error("tokenize: --delimiter takes one ASCII character")
                return 64
            }
            delimiter = value.utf8.first!
        case "--chunk":
            guard let value = rest.popFirst(), let size = Int(value), size > 0 else {
                Standard.error("tokenize: --chunk takes a positive byte count")
                return 64
            }
            chunkSize = size
        default:
            files.append(option)
        }
    }
    var record = CSVRecord()
    for path in files {
        var out = "{\"file\":\(jsonString(path.utf8))}\n"
        do {
            let tokenizer = CSVTokenizer(input: try FileInput(path: path), path: path, delimiter: delimiter,
                                         chunkSize: chunkSize)
            while try tokenizer.next(into: &record) {
                let fields = (0..<record.storedFieldCount).map { jsonString(record.field($0)) }
                out += "{\"line\":\(record.line),\"blank\":\(record.isBlank),\"fields\":[\(fields.joined(separator: ","))]"
                if let problem = record.problem { out += ",\"problem\":\(jsonString(problem.utf8))" }
                out += "}\n"
            }
        } catch {
            out += "{\"error\":\(jsonString(error.message.utf8)),\"line\":\(error.line)}\n"
        }
        Standard.output(out, newline: false)
    }
    return 0
}

let arguments = CommandLine.arguments
if arguments.count >= 2, arguments[1] == "tokenize" {
    exit(tokenize(arguments.dropFirst(2)))
}
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    Standard.error("usage: signbatch-fuzz csv|xml|normalizer [options or files]\n"
                   + "       signbatch-fuzz tokenize [--delimiter C] [--chunk N] FILE...")
    exit(64)
}

#if SIGNBATCH_FUZZ
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

nonisolated(unsafe) var selected = target
// libFuzzer sees the arguments after the target name.
var fuzzerArguments = [arguments[0]] + arguments.dropFirst(2)
var cArguments: [UnsafeMutablePointer<CChar>?] = fuzzerArguments.map { strdup($0) } + [nil]
var argc = Int32(fuzzerArguments.count)
let status = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv = buffer.baseAddress!
    return runFuzzerDriver(&argc, &argv) { data, size in
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        selected.run(bytes)
        return 0
    }
}
exit(status)
#else
for path in arguments.dropFirst(2) {
    do {
        target.run(try FileBytes.read(path))
    } catch {
        Standard.error("\(path): \(error)")
        exit(66)
    }
}
#endif
