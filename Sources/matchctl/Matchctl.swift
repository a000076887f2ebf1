import ArgumentParser

/// The operator's command line for Lotsen.
@main
struct Matchctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matchctl",
        abstract: "Operate Lotsen: its database, its private development cluster and its benchmarks.",
        subcommands: [DevCommand.self, DemoCommand.self, MigrateCommand.self, NotificationsCommand.self, WebhooksCommand.self, ForbundCommand.self, UsersCommand.self, TokensCommand.self,
                      SupportsCommand.self, ParticipantsCommand.self, SuggestionsCommand.self, PlacementsCommand.self, FollowAlongCommand.self, MatchCommand.self, StatusCommand.self, DoctorCommand.self, QueuesCommand.self, JobsCommand.self,
                      BenchCommand.self]
    )
}
