import ArgumentParser
import Foundation
import MatchCore

/// Finds a förbund by name or fails with a clear message.
func requireForbund(_ name: String, on connection: PostgresConnection) async throws -> Forbund {
    guard let forbund = try await TenancyStore().forbund(named: name, on: connection) else {
        throw CommandFailure("no förbund named \"\(name)\" (see `matchctl forbund list`)")
    }
    return forbund
}

/// Finds an employer of a förbund by organisationsnummer or fails with a clear message.
func requireEmployer(_ number: String, forbund: Forbund, on connection: PostgresConnection) async throws -> Employer {
    let parsed: Organisationsnummer
    do {
        parsed = try Organisationsnummer(number)
    } catch {
        throw CommandFailure("--employer: \(error.message)")
    }
    guard let employer = try await EmployerStore().get(forbundID: forbund.id, number: parsed, on: connection) else {
        throw CommandFailure("no employer \(parsed) in \(forbund.name)")
    }
    return employer
}

/// Turns field errors into the command's error message.
func reportingFieldErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let errors as FieldErrors {
        throw CommandFailure(errors.description)
    }
}

/// `matchctl forbund create|list`.
struct ForbundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forbund", abstract: "The samordningsförbund (tenants).", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a förbund.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            let forbund = try await reportingFieldErrors {
                try await database.withConnection { connection in
                    try await connection.withTransaction { try await TenancyStore().createForbund(name: name, in: $0) }
                }
            }
            print("created förbund \(forbund.name)")
            print(forbund.id.uuidString.lowercased())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every förbund.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let all = try await database.withConnection { try await TenancyStore().listForbund(on: $0) }
            if json { return try Output.json(all) }
            Output.table(["ID", "NAME"], all.map { [$0.id.uuidString.lowercased(), $0.name] })
        }
    }
}

/// `matchctl users create|list|deactivate`.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Coordinators and employer users.", subcommands: [Create.self, List.self, Deactivate.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user in a förbund.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The förbund's name.") var forbund: String
        @Option(help: "coordinator or employer.") var kind: String = "coordinator"
        @Option(help: "Full name.") var name: String
        @Option(help: "E-mail address.") var email: String
        @Option(help: "The employer's organisationsnummer (employer users).") var employer: String?

        func validate() throws {
            guard User.Kind(rawValue: kind) != nil else { throw ValidationError("--kind must be coordinator or employer") }
            if (kind == User.Kind.employer.rawValue) != (employer != nil) {
                throw ValidationError("--employer is needed for an employer user, and only for one")
            }
        }

        func run() async throws {
            let user = try await reportingFieldErrors {
                try await database.withConnection { connection in
                    let forbund = try await requireForbund(forbund, on: connection)
                    var employerID: UUID?
                    if let employer { employerID = try await requireEmployer(employer, forbund: forbund, on: connection).id }
                    return try await connection.withTransaction {
                        try await TenancyStore().createUser(forbundID: forbund.id, kind: User.Kind(rawValue: kind)!,
                                                            name: name, email: email, employerID: employerID, in: $0)
                    }
                }
            }
            print("created \(user.kind.rawValue) \(user.email)")
            print(user.id.uuidString.lowercased())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a förbund's users.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The förbund's name.") var forbund: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let users = try await database.withConnection { connection in
                try await TenancyStore().listUsers(forbundID: try await requireForbund(forbund, on: connection).id, on: connection)
            }
            if json { return try Output.json(users) }
            Output.table(["ID", "KIND", "NAME", "EMAIL", "ACTIVE"], users.map {
                [$0.id.uuidString.lowercased(), $0.kind.rawValue, $0.name, $0.email, $0.active ? "yes" : "no"]
            })
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deactivate a user and revoke their tokens.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The förbund's name.") var forbund: String
        @Argument(help: "The user's e-mail address.") var email: String

        func run() async throws {
            let done = try await database.withConnection { connection in
                let forbund = try await requireForbund(forbund, on: connection)
                return try await connection.withTransaction {
                    try await TenancyStore().deactivateUser(forbundID: forbund.id, email: email, in: $0)
                }
            }
            guard done else { throw CommandFailure("no active user \(email) in \(forbund)") }
            print("deactivated \(email); their tokens are revoked")
        }
    }
}

/// `matchctl tokens create|list|revoke`.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "API tokens.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; it is printed once, as the last line.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "operator, coordinator or employer.") var role: String
        @Option(help: "The förbund's name (coordinator and employer tokens).") var forbund: String?
        @Option(help: "The e-mail of the user the token acts for.") var user: String?
        @Option(help: "The employer's organisationsnummer (employer tokens; else the user's employer).") var employer: String?
        @Option(help: "What the token is for.") var label = ""
        @Option(help: "Days until it expires (none: never).") var expiresInDays: Int?

        func validate() throws {
            guard Role(rawValue: role) != nil else { throw ValidationError("--role must be operator, coordinator or employer") }
            if let expiresInDays, !(1...3650).contains(expiresInDays) {
                throw ValidationError("--expires-in-days must be from 1 to 3650")
            }
        }

        func run() async throws {
            let created = try await reportingFieldErrors {
                try await database.withConnection { connection in
                    var forbundID: UUID?
                    var userID: UUID?
                    var employerID: UUID?
                    if let forbund {
                        let found = try await requireForbund(forbund, on: connection)
                        forbundID = found.id
                        if let employer { employerID = try await requireEmployer(employer, forbund: found, on: connection).id }
                        if let user {
                            guard let found = try await TenancyStore().user(email: user, forbundID: found.id, on: connection),
                                  found.active else { throw CommandFailure("no active user \(user) in \(forbund)") }
                            userID = found.id
                            if role == Role.employer.rawValue {
                                guard found.employerID != nil, employerID == nil || employerID == found.employerID else {
                                    throw CommandFailure("\(user) is not a user of that employer")
                                }
                                employerID = found.employerID
                            }
                        }
                    } else if user != nil || employer != nil {
                        throw CommandFailure("--user and --employer need --forbund")
                    }
                    let expires = expiresInDays.map { Date().addingTimeInterval(TimeInterval($0) * 86_400) }
                    return try await connection.withTransaction {
                        try await TokenStore().create(role: Role(rawValue: role)!, forbundID: forbundID, userID: userID,
                                                      employerID: employerID, label: label, expiresAt: expires, in: $0)
                    }
                }
            }
            print("created \(role) token \(created.id.uuidString.lowercased()); it is shown only now:")
            print(created.token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the tokens themselves).")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let tokens = try await database.withConnection { try await TokenStore().list(on: $0) }
            if json { return try Output.json(tokens) }
            let formatter = ISO8601DateFormatter()
            Output.table(["ID", "ROLE", "PREFIX", "LABEL", "EXPIRES", "STATE"], tokens.map {
                [$0.id.uuidString.lowercased(), $0.role.rawValue, $0.prefix + "…", $0.label,
                 $0.expiresAt.map(formatter.string) ?? "never", $0.revokedAt == nil ? "live" : "revoked"]
            })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token's id.") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw CommandFailure("the id must be a UUID") }
            guard try await database.withConnection({ try await TokenStore().revoke(uuid, on: $0) }) else {
                throw CommandFailure("no live token \(id)")
            }
            print("revoked \(id)")
        }
    }
}
