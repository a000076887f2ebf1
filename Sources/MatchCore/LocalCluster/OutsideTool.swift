import Foundation
import Synchronization

/// A program some tests need from outside the package: a Python tool from the venv that `.ci/run`
/// prepares (the OpenAPI validator, scipy's Python, schemathesis), named by an environment
/// variable. Outside CI a test whose tool is missing is skipped with the reason; under `CI=true`
/// it runs and fails, since CI must provide every tool.
public struct OutsideTool: Sendable, CustomStringConvertible {
    /// What it is, for messages.
    public let name: String
    /// The environment variable that holds its path.
    public let variable: String
    /// Python modules it must be able to import (for a Python).
    public var modules: [String] = []

    /// The OpenAPI project's validator (`openapi-spec-validator`).
    public static let openAPIValidator = OutsideTool(name: "openapi-spec-validator", variable: "LOTSEN_OPENAPI_VALIDATOR")
    /// A Python with scipy.
    public static let scipyPython = OutsideTool(name: "a Python with scipy", variable: "LOTSEN_PYTHON")
    /// The schemathesis command-line tool (`st`).
    public static let schemathesis = OutsideTool(name: "schemathesis", variable: "LOTSEN_SCHEMATHESIS")
    /// A Python with aiosmtpd (the tests' SMTP server).
    public static let smtpPython = OutsideTool(name: "a Python with aiosmtpd", variable: "LOTSEN_PYTHON", modules: ["aiosmtpd"])
    /// A Python with standardwebhooks (the tests' webhook receiver).
    public static let webhookPython = OutsideTool(name: "a Python with standardwebhooks", variable: "LOTSEN_PYTHON",
                                                  modules: ["standardwebhooks"])

    /// Its path, when the variable names an executable file.
    public var path: String? {
        guard let path = ProcessInfo.processInfo.environment[variable], FileManager.default.isExecutableFile(atPath: path) else {
            return nil
        }
        if !modules.isEmpty, !Self.imports(path, modules) { return nil }
        return path
    }

    /// Whether `python` imports `modules` (asked once per pair).
    static func imports(_ python: String, _ modules: [String]) -> Bool {
        let key = python + " " + modules.joined(separator: ",")
        if let known = importCache.withLock({ $0[key] }) { return known }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import " + modules.joined(separator: ", ")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let works = (try? process.run()).map { process.waitUntilExit(); return process.terminationStatus == 0 } ?? false
        importCache.withLock { $0[key] = works }
        return works
    }

    private static let importCache = Mutex<[String: Bool]>([:])

    /// Whether this run is CI's, where every tool must be present.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether a test that needs it should run: the tool is there, or this is CI (which then fails).
    public var shouldRun: Bool { path != nil || Self.isCI }

    /// Why a test that needs it is skipped.
    public var description: String { "needs \(name): set \(variable) to its path (.ci/run does)" }

    /// Its path, or an error that says what CI failed to provide.
    public func require() throws -> String {
        guard let path else { throw Missing(description: "\(name) is missing under CI=true: \(variable) must name it") }
        return path
    }

    /// A tool CI should have provided and did not.
    public struct Missing: Error, CustomStringConvertible {
        /// Which, and the variable that should name it.
        public let description: String
    }
}
