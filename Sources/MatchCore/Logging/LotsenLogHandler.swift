import Foundation
import Logging
import Synchronization

/// The level every logger of the process follows unless one sets its own; SIGHUP changes it
/// while the daemon runs.
public final class LogLevelControl: Sendable {
    private let current: Mutex<Logger.Level>

    /// A control starting at `level`.
    public init(_ level: Logger.Level) { current = Mutex(level) }

    /// The level now.
    public var level: Logger.Level {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

/// Writes log lines to standard error, as JSON objects (one per line, for a collector) or as
/// text (for people). Metadata carries ids (`request_id`, `job_id`, `actor`), never personal
/// data: callers log ids and counts, and database errors describe themselves without values.
public struct LotsenLogHandler: LogHandler {
    /// The logger's metadata.
    public var metadata: Logger.Metadata = [:]
    /// Metadata added to every line (none by default).
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let json: Bool
    let control: LogLevelControl
    private var ownLevel: Logger.Level?

    /// A handler for `label` writing JSON or text, at the level of `control` until set on its own.
    public init(label: String, json: Bool, control: LogLevelControl) {
        self.label = label
        self.json = json
        self.control = control
    }

    /// The process's level, or this logger's own once set.
    public var logLevel: Logger.Level {
        get { ownLevel ?? control.level }
        set { ownLevel = newValue }
    }

    /// One metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Hummingbird's names for the request's fields, as the log's.
    static let renamed = ["hb.request.id": "request_id", "hb.request.method": "method", "hb.request.path": "path"]

    /// Writes one line for `event`.
    public func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit { all.merge(explicit) { _, new in new } }
        let time = Self.timestamp()
        let text: String
        if json {
            var fields = [("time", Self.quoted(time)), ("level", Self.quoted(level.rawValue)), ("logger", Self.quoted(label)),
                          ("message", Self.quoted(message.description))]
            for (key, value) in all.sorted(by: { $0.key < $1.key }) {
                fields.append((Self.renamed[key] ?? key, Self.json(value)))
            }
            text = "{" + fields.map { "\(Self.quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}\n"
        } else {
            let pairs = all.sorted { $0.key < $1.key }.map { "\(Self.renamed[$0.key] ?? $0.key)=\($0.value)" }.joined(separator: " ")
            text = "\(time) \(level) \(label): \(pairs.isEmpty ? "" : pairs + " ")\(message)\n"
        }
        // One write(2) per line: lines from many threads never interleave on a pipe.
        text.utf8CString.withUnsafeBufferPointer { buffer in
            _ = Foundation.write(STDERR_FILENO, buffer.baseAddress, buffer.count - 1)
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1_000_000)
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return quoted(text)
        case .stringConvertible(let convertible): return quoted(convertible.description)
        case .array(let values): return "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            return "{" + values.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(json($0.value))" }.joined(separator: ",") + "}"
        }
    }

    /// `text` as a JSON string.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension LogConfiguration.Format {
    /// Whether lines are JSON: `auto` is JSON unless standard error is a terminal.
    public var writesJSON: Bool {
        switch self {
        case .json: true
        case .text: false
        case .auto: isatty(STDERR_FILENO) != 1
        }
    }
}
