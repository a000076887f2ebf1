import Foundation
import Synchronization

/// Shows how far a long step has come on standard error: a bar redrawn in place on a terminal,
/// else a plain line at every tenth, so logs of scripts and CI stay short and readable.
final class ProgressLine: Sendable {
    private struct State {
        var phase = ""
        var lastTenth = -1
        var drawn = false
    }

    private let terminal = isatty(STDERR_FILENO) == 1
    private let state = Mutex(State())

    /// Reports `done` of `total` in `phase`.
    func update(_ phase: String, _ done: Int, _ total: Int) {
        guard total > 0 else { return }
        let fraction = min(1, Double(done) / Double(total))
        state.withLock { state in
            if terminal {
                let width = 30
                let filled = Int(fraction * Double(width))
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                Self.write("\r\u{1B}[2K[\(bar)] \(String(format: "%3d", Int(fraction * 100)))% \(phase) \(done)/\(total)")
                state.drawn = true
                return
            }
            let tenth = Int(fraction * 10)
            if phase != state.phase { state.phase = phase; state.lastTenth = -1 }
            guard tenth != state.lastTenth else { return }
            state.lastTenth = tenth
            Self.write("\(phase): \(done)/\(total)\n")
        }
    }

    /// Ends the bar's line, so what follows starts on its own.
    func finish() {
        state.withLock { state in
            if state.drawn { Self.write("\n") }
            state.drawn = false
        }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
