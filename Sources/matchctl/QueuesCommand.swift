import ArgumentParser
import Foundation
import MatchCore

/// `matchctl queues pause|resume NAME`.
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues", abstract: "Pause and resume queues on every daemon.",
        subcommands: [Pause.self, Resume.self])

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop starting jobs of a queue on every daemon.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The queue.") var name: String

        func run() async throws {
            let operatorName = ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
            try await database.withPool { try await QueueAdmin(pool: $0).pause(name, by: "matchctl:\(operatorName)") }
            print("paused \(name)")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start jobs of a paused queue again.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The queue.") var name: String

        func run() async throws {
            try await database.withPool { try await QueueAdmin(pool: $0).resume(name) }
            print("resumed \(name)")
        }
    }
}
