import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `signbatch` binary the way a cron job or Makefile would.
struct CommandRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable SwiftPM built next to the test bundle.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["SIGNBATCH_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("signbatch")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return Fixtures.packageRoot.appendingPathComponent(".build/debug/signbatch")
    }()

    @discardableResult
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Result {
        let process = try start(arguments, in: directory, environment: environment)
        return try process.finish()
    }

    /// A started process whose output is collected in files (no pipe can fill up).
    final class Running {
        let process: Process
        let outURL: URL
        let errURL: URL

        init(process: Process, outURL: URL, errURL: URL) {
            self.process = process
            self.outURL = outURL
            self.errURL = errURL
        }

        func finish() throws -> Result {
            process.waitUntilExit()
            let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
            let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
            return Result(status: process.terminationStatus, stdout: out, stderr: err)
        }

        func kill(signal: Int32 = SIGKILL) { Glibc.kill(process.processIdentifier, signal) }
    }

    static func start(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let token = UUID().uuidString
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("signbatch-out-\(token)")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("signbatch-err-\(token)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, outURL: outURL, errURL: errURL)
    }
}

/// Temporary working directories and the package's fixtures.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let golden = packageRoot.appendingPathComponent("Tests/SignBatchTests/Fixtures/golden")

    /// A fresh directory, removed when the returned object is released.
    final class Directory {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("signbatch-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }

        func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }

        func write(_ relative: String, _ text: String) throws {
            try write(relative, Data(text.utf8))
        }

        func write(_ relative: String, _ data: Data) throws {
            let target = path(relative)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: target)
        }

        func read(_ relative: String) throws -> String {
            try String(contentsOf: path(relative), encoding: .utf8)
        }

        func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative).path) }

        /// Copies the package's sample `Input/` here.
        func copySampleInput() throws {
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Input"), to: path("Input"))
        }
    }

    static let png: Data = {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += Array(repeating: 0, count: 24)
        return Data(bytes)
    }()

    static let header = "ref,account_id,account_type,sign_name,sign_type,international,sign_purpose,document_type,document_file,commission_file,remark,product_released,organization_name,credit_code,icp_number"

    /// A company application that passes every rule (given `proof.png` beside the batch).
    static func companyRow(_ ref: String, account: String, name: String, international: Bool = false) -> String {
        "\(ref),\(account),enterprise,\(name),company,\(international ? 1 : 0),self,business_license,proof.png,,,,,,"
    }

    /// Parses a CSV output written by signbatch (test-side, independent of the library).
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar?
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if scalar == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = next }
                    } else { inQuotes = false }
                } else { field.unicodeScalars.append(scalar) }
            } else if scalar == "\"" {
                inQuotes = true
            } else if scalar == "," {
                row.append(field); field = ""
            } else if scalar == "\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else {
                field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// Rows of an output CSV as dictionaries keyed by header.
    static func records(_ text: String) -> [[String: String]] {
        let rows = csvRows(text)
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { Dictionary(zip(header, $0), uniquingKeysWith: { first, _ in first }) }
    }
}
