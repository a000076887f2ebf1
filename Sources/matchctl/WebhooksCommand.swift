import ArgumentParser
import Foundation
import MatchCore

/// `matchctl webhooks create|list|delete|rotate|enable|deliveries|redeliver`: a förbund's webhook
/// endpoints, as `/v1/webhooks` offers them to its coordinators. Secrets are printed once, by
/// create and rotate.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Manage a förbund's webhook endpoints and their deliveries.",
        subcommands: [Create.self, List.self, Delete.self, Rotate.self, Enable.self, Deliveries.self, Redeliver.self])

    struct ForbundOption: ParsableArguments {
        @Option(help: "The förbund's name.") var forbund: String
    }

    static func id(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw ValidationError("\(text) is not an id") }
        return id
    }

    /// Runs `body` in a transaction with the named förbund's id.
    static func inForbund<T>(_ database: DatabaseOptions, _ scope: ForbundOption,
                             _ body: (UUID, PostgresTransaction) async throws -> T) async throws -> T {
        try await database.withConnection { connection in
            let forbund = try await requireForbund(scope.forbund, on: connection)
            return try await connection.withTransaction { try await body(forbund.id, $0) }
        }
    }

    static func printed(_ hook: Webhook) {
        Output.table(["ID", "URL", "ENABLED", "EVENTS"], [[hook.id.uuidString.lowercased(), hook.url, hook.enabled ? "yes" : "no",
                                                          hook.eventTypes.joined(separator: ",")]])
        if let secret = hook.secret { print("secret (shown once): \(secret)") }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an endpoint; prints its secret once.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var scope: ForbundOption
        @Option(help: "Where to deliver (http or https).") var url: String
        @Option(name: .customLong("event"), help: "An event type it wants (repeat the option).") var events: [String] = []
        @Option(help: "What it is for.") var description: String?

        func run() async throws {
            let settings = try database.loadConfiguration()
            let input = WebhookInput(url: url, eventTypes: events, description: description)
            let checked: (url: String, eventTypes: [String], description: String)
            do {
                checked = try input.validated(target: WebhookTarget(allowPrivate: settings.webhooks.allowPrivateTargets))
            } catch {
                throw CommandFailure(error.entries.map { "\($0.pointer): \($0.message)" }.joined(separator: "; "))
            }
            let hook = try await WebhooksCommand.inForbund(database, scope) { forbund, tx in
                try await WebhookStore().create(forbundID: forbund, url: checked.url, eventTypes: checked.eventTypes,
                                                description: checked.description, createdBy: OperatorIdentity.actor, in: tx)
            }
            WebhooksCommand.printed(hook)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The förbund's endpoints.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var scope: ForbundOption
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let hooks = try await database.withConnection { connection in
                try await WebhookStore().list(forbundID: try await requireForbund(scope.forbund, on: connection).id, on: connection)
            }
            if json { return try Output.json(hooks) }
            Output.table(["ID", "URL", "ENABLED", "DISABLED", "EVENTS"], hooks.map {
                [$0.id.uuidString.lowercased(), $0.url, $0.enabled ? "yes" : "no", $0.disabledReason ?? "-", $0.eventTypes.joined(separator: ",")]
            })
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an endpoint and its delivery log.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var scope: ForbundOption
        @Argument(help: "The endpoint's id.") var id: String

        func run() async throws {
            let webhook = try WebhooksCommand.id(id)
            let deleted = try await WebhooksCommand.inForbund(database, scope) { try await WebhookStore().delete(forbundID: $0, id: webhook, in: $1) }
            guard deleted else { throw CommandFailure("no webhook \(id) in \(scope.forbund)") }
            print("deleted \(id)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A new secret, printed once; the old one signs too for 24 hours.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var scope: ForbundOption
        @Argument(help: "The endpoint's id.") var id: String

        func run() async throws {
            let webhook = try WebhooksCommand.id(id)
            let hook = try await WebhooksCommand.inForbund(database, scope) { try await WebhookStore().rotate(forbundID: $0, id: webhook, in: $1) }
            guard let hook else { throw CommandFailure("no webhook \(id) in \(scope.forbund)") }
            WebhooksCommand.printed(hook)
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn a disabled endpoint back on.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var scope: ForbundOption
        @Argument(help: "The endpoint's id.") var id: String

        func run() async throws {
            let webhook = try WebhooksCommand.id(id)
            let done = try await WebhooksCommand.inForbund(database, scope) { try await WebhookStore().enable(forbundID: $0, id: webhook, in: $1) }
            guard done else { throw CommandFailure("no webhook \(id) in \(scope.forbund)") }
            print("enabled \(id)")
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An endpoint's delivery log, newest first.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var scope: ForbundOption
        @Argument(help: "The endpoint's id.") var id: String
        @Flag(help: "Only failed ones.") var failed = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let webhook = try WebhooksCommand.id(id)
            let deliveries = try await database.withConnection { connection in
                let forbund = try await requireForbund(scope.forbund, on: connection)
                return try await WebhookStore().deliveries(forbundID: forbund.id, webhookID: webhook, failedOnly: failed, on: connection)
            }
            if json { return try Output.json(deliveries) }
            Output.table(["ID", "TYPE", "STATE", "ATTEMPTS", "LAST STATUS", "LAST ERROR"], deliveries.map {
                [$0.id, $0.type, $0.state, String($0.attempts), $0.lastStatus.map(String.init) ?? "-", $0.lastError ?? "-"]
            })
        }
    }

    struct Redeliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a delivery again, with its original id.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var scope: ForbundOption
        @Argument(help: "The delivery's msg_ id.") var id: String

        func run() async throws {
            let found = try await WebhooksCommand.inForbund(database, scope) { try await WebhookStore().redeliver(forbundID: $0, id: id, in: $1) }
            guard found != nil else { throw CommandFailure("no delivery \(id) in \(scope.forbund)") }
            print("queued \(id) again")
        }
    }
}
