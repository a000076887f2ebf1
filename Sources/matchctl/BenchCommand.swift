import ArgumentParser

/// `matchctl bench`: measurements against a real server, with peers run in the same invocation.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks; each prints its figures beside a baseline measured in the same run.",
        subcommands: [BenchPostgresCommand.self, BenchQueueCommand.self, BenchMatchCommand.self, BenchVerifyCommand.self]
    )
}
