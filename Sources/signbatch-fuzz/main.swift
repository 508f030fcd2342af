#if canImport(Glibc)
import Glibc
#endif
import SignBatch

// Usage: signbatch-fuzz TARGET [libFuzzer options | input files...]
//   TARGET: csv, xml or normalizer.
// Built with SIGNBATCH_FUZZ (make fuzz) it runs libFuzzer on the target; built normally
// it feeds each named file to the target once (a crash reproduces as a crash).

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    Standard.error("usage: signbatch-fuzz csv|xml|normalizer [options or files]")
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
