import ArgumentParser
import Foundation
import MatchCore

/// `matchctl migrate`: apply pending migrations, or list where each stands.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations.",
        subcommands: [Apply.self, Status.self],
        defaultSubcommand: Apply.self
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "apply", abstract: "Apply pending migrations (the default).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let applied = try await database.withConnection { try await Migrator().migrate(on: $0) }
            if applied.isEmpty {
                print("schema up to date")
            } else {
                for migration in applied { print("applied \(migration.fileName)") }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "List applied and pending migrations.")
        @OptionGroup var database: DatabaseOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let entries = try await database.withConnection { try await Migrator().status(on: $0) }
            if json {
                try Output.json(entries)
                return
            }
            let formatter = ISO8601DateFormatter()
            Output.table(["VERSION", "NAME", "STATE", "APPLIED"], entries.map {
                [String(format: "%04d", $0.version), $0.name, $0.state.rawValue, $0.appliedAt.map(formatter.string) ?? "-"]
            })
            if entries.contains(where: { $0.state == .changed }) { throw ExitCode(2) }
        }
    }
}
