import Foundation
import TOMLKit

/// A bad configuration key or value, named as the user wrote it.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// The key as `section.key`, or the file.
    public var key: String
    /// Where the value came from (a flag, an environment variable, the file).
    public var source: String
    /// What is wrong.
    public var problem: String
    public var description: String { "configuration \(key) (\(source)): \(problem)" }
}

/// Looks a key up with the precedence every component shares: command-line flags, then
/// `LOTSEN_<SECTION>_<KEY>` environment variables, then the TOML file, then the default.
///
/// Sections read their keys through it; a file key that no section read is unknown, an error.
public final class ConfigurationReader {
    enum Value {
        case text(String)
        case toml(any TOMLValueConvertible)
    }

    private let flags: [String: String]
    private let environment: [String: String]
    private var file: [String: any TOMLValueConvertible] = [:]
    private let filePath: String?
    private var read: Set<String> = []
    private var readSections: Set<String> = []
    /// Every key read, with the value in effect and where it came from, in the order read.
    public private(set) var effective: [ConfigurationEntry] = []

    /// A reader over flags (keyed `section.key`), the environment and an optional TOML file.
    public init(flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
                filePath: String? = nil) throws {
        self.flags = flags
        self.environment = environment
        self.filePath = filePath
        guard let filePath else { return }
        let text: String
        do {
            text = try String(contentsOfFile: filePath, encoding: .utf8)
        } catch {
            throw ConfigurationError(key: filePath, source: "file", problem: "cannot be read")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(key: filePath, source: "file",
                                     problem: "not valid TOML at \(error.source.begin): \(error.description)")
        }
        for (section, value) in table {
            guard let inner = value.table else {
                throw ConfigurationError(key: section, source: filePath, problem: "expected a [\(section)] section")
            }
            for (key, item) in inner { file["\(section).\(key)"] = item }
        }
    }

    private func lookup(_ section: String, _ key: String) -> (Value, String)? {
        let name = "\(section).\(key)"
        read.insert(name)
        if let flag = flags[name] { return (.text(flag), "command line") }
        let variable = "LOTSEN_\(section.uppercased())_\(key.uppercased())"
        if let value = environment[variable] { return (.text(value), variable) }
        if let value = file[name] { return (.toml(value), filePath ?? "file") }
        return nil
    }

    /// Records the value a section settled on for `section.key`.
    private func note<T>(_ section: String, _ key: String, _ value: T, _ source: String?) -> T {
        let name = "\(section).\(key)"
        effective.removeAll { $0.key == name }
        effective.append(ConfigurationEntry(key: name, value: "\(value)", source: source ?? "default"))
        return value
    }

    /// A string.
    public func string(_ section: String, _ key: String, default fallback: String) throws -> String {
        guard let (value, source) = lookup(section, key) else { return note(section, key, fallback, nil) }
        switch value {
        case .text(let text): return note(section, key, text, source)
        case .toml(let item):
            guard let text = item.string else { throw mismatch(section, key, source, "a string") }
            return note(section, key, text, source)
        }
    }

    /// An integer within `range`.
    public func int(_ section: String, _ key: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let (value, source) = lookup(section, key) else { return note(section, key, fallback, nil) }
        let number: Int?
        switch value {
        case .text(let text): number = Int(text.trimmingCharacters(in: .whitespaces))
        case .toml(let item): number = item.int
        }
        guard let number else { throw mismatch(section, key, source, "an integer") }
        guard range.contains(number) else {
            throw ConfigurationError(key: "\(section).\(key)", source: source,
                                     problem: "must be from \(range.lowerBound) to \(range.upperBound), got \(number)")
        }
        return note(section, key, number, source)
    }

    /// A number within `range` (a TOML integer counts too).
    public func double(_ section: String, _ key: String, default fallback: Double, range: ClosedRange<Double>) throws -> Double {
        guard let (value, source) = lookup(section, key) else { return note(section, key, fallback, nil) }
        let number: Double?
        switch value {
        case .text(let text): number = Double(text.trimmingCharacters(in: .whitespaces))
        case .toml(let item): number = item.double ?? item.int.map(Double.init)
        }
        guard let number, number.isFinite else { throw mismatch(section, key, source, "a number") }
        guard range.contains(number) else {
            throw ConfigurationError(key: "\(section).\(key)", source: source,
                                     problem: "must be from \(range.lowerBound) to \(range.upperBound), got \(number)")
        }
        return note(section, key, number, source)
    }

    /// A boolean (`true`/`false`; also `1`/`0`, `yes`/`no` from flags and the environment).
    public func bool(_ section: String, _ key: String, default fallback: Bool) throws -> Bool {
        guard let (value, source) = lookup(section, key) else { return note(section, key, fallback, nil) }
        switch value {
        case .text(let text):
            switch text.lowercased() {
            case "true", "1", "yes", "on": return note(section, key, true, source)
            case "false", "0", "no", "off": return note(section, key, false, source)
            default: throw mismatch(section, key, source, "true or false")
            }
        case .toml(let item):
            guard let flag = item.bool else { throw mismatch(section, key, source, "true or false") }
            return note(section, key, flag, source)
        }
    }

    /// One of `choices`.
    public func choice(_ section: String, _ key: String, default fallback: String, choices: [String]) throws -> String {
        let value = try string(section, key, default: fallback)
        guard choices.contains(value) else {
            throw ConfigurationError(key: "\(section).\(key)", source: "value \"\(value)\"",
                                     problem: "must be one of \(choices.joined(separator: ", "))")
        }
        return value
    }

    /// Every integer key of a section whose keys are names (e.g. `[queue]` concurrency per queue).
    public func intMap(_ section: String, excluding fixed: Set<String>, range: ClosedRange<Int>) throws -> [String: Int] {
        readSections.insert(section)
        var result: [String: Int] = [:]
        let prefix = "\(section)."
        let envPrefix = "LOTSEN_\(section.uppercased())_"
        let fromEnvironment = environment.keys.filter { $0.hasPrefix(envPrefix) }
            .map { String($0.dropFirst(envPrefix.count)).lowercased() }
        let fromFlags = flags.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        let keys = Set(file.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            + fromEnvironment + fromFlags).subtracting(fixed)
        for key in keys { result[key] = try int(section, key, default: 0, range: range) }
        return result
    }

    /// Fails on a file key that no section read: a typo must not pass silently.
    public func rejectUnknownKeys() throws {
        for key in file.keys.sorted() where !read.contains(key) {
            throw ConfigurationError(key: key, source: filePath ?? "file", problem: "unknown key")
        }
    }

    private func mismatch(_ section: String, _ key: String, _ source: String, _ expected: String) -> ConfigurationError {
        ConfigurationError(key: "\(section).\(key)", source: source, problem: "expected \(expected)")
    }
}

/// One key of the effective configuration: its value and where it came from (`default`,
/// `command line`, the environment variable's name, or the file's path).
public struct ConfigurationEntry: Sendable, Equatable {
    /// `section.key`.
    public var key: String
    /// The value in effect, as text.
    public var value: String
    /// Where it came from.
    public var source: String

    /// The value with any secret in it masked: a password in a connection URL or key=value
    /// string, and any key named like a password or secret (a file's path is not a secret).
    public var maskedValue: String {
        let lowered = key.lowercased()
        if (lowered.contains("password") || lowered.contains("secret")) && !lowered.hasSuffix("_file") && !value.isEmpty { return "***" }
        var masked = value
        // postgresql://user:secret@host → postgresql://user:***@host
        if let scheme = masked.range(of: "://"), let at = masked[scheme.upperBound...].firstIndex(of: "@"),
           let colon = masked[scheme.upperBound..<at].firstIndex(of: ":") {
            masked.replaceSubrange(masked.index(after: colon)..<at, with: "***")
        }
        // password=secret in a key=value string or a URL's query
        if let range = masked.range(of: #"password=[^ &]*"#, options: [.regularExpression, .caseInsensitive]) {
            masked.replaceSubrange(range, with: "password=***")
        }
        return masked
    }
}
