import ArgumentParser
import Foundation
import MatchCore

/// `matchctl jobs …`: list, show, retry, cancel, discard and enqueue jobs.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Inspect and act on jobs.",
        subcommands: [List.self, Show.self, Retry.self, Cancel.self, Discard.self, Enqueue.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only jobs in this state.") var state: String?
        @Option(help: "Only jobs of this kind.") var kind: String?
        @Option(help: "Only jobs of this queue.") var queue: String?
        @Option(help: "At most this many.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let state, JobState(rawValue: state) == nil {
                throw ValidationError("--state must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 10000") }
        }

        func run() async throws {
            let jobs = try await database.withPool {
                try await QueueAdmin(pool: $0).list(state: state.flatMap(JobState.init), kind: kind, queue: queue, limit: limit)
            }
            if json { return try Output.json(jobs) }
            let formatter = ISO8601DateFormatter()
            Output.table(["ID", "KIND", "QUEUE", "STATE", "ATTEMPT", "SCHEDULED", "DAEMON"], jobs.map {
                [String($0.id), $0.kind, $0.queue, $0.state.rawValue, "\($0.attempt)/\($0.maxAttempts)",
                 formatter.string(from: $0.scheduledAt), $0.attemptedBy ?? "-"]
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a job with its arguments and every error.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The job id.") var id: Int64
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let job = try await database.withPool({ try await QueueAdmin(pool: $0).show(id) }) else {
                throw CommandFailure("no job \(id)")
            }
            if json { return try Output.json(job) }
            let formatter = ISO8601DateFormatter()
            Output.table(["FIELD", "VALUE"], [
                ["id", String(job.id)], ["kind", job.kind], ["queue", job.queue], ["state", job.state.rawValue],
                ["attempt", "\(job.attempt)/\(job.maxAttempts)"], ["scheduled", formatter.string(from: job.scheduledAt)],
                ["daemon", job.attemptedBy ?? "-"], ["created", formatter.string(from: job.createdAt)],
                ["finalized", job.finalizedAt.map(formatter.string) ?? "-"], ["args", job.args ?? "{}"],
                ["errors", job.errors ?? "[]"],
            ])
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a job available again now.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The job id.") var id: Int64

        func run() async throws {
            guard try await database.withPool({ try await QueueAdmin(pool: $0).retry(id) }) else {
                throw CommandFailure("job \(id) does not exist or is running")
            }
            print("job \(id) is available")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a job; a running one is cancelled on its daemon.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The job id.") var id: Int64

        func run() async throws {
            guard let state = try await database.withPool({ try await QueueAdmin(pool: $0).cancel(id) }) else {
                throw CommandFailure("no job \(id)")
            }
            switch state {
            case .running: print("job \(id) is running; its daemon was asked to cancel it")
            case .completed, .cancelled, .discarded: print("job \(id) had already ended (\(state.rawValue))")
            default: print("job \(id) cancelled")
            }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discard a waiting job.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The job id.") var id: Int64

        func run() async throws {
            guard try await database.withPool({ try await QueueAdmin(pool: $0).discard(id) }) else {
                throw CommandFailure("job \(id) does not exist or is not waiting")
            }
            print("job \(id) discarded")
        }
    }

    struct Enqueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enqueue jobs of a kind (e.g. noop) for checks and scripts.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The job kind.") var kind: String
        @Option(help: "Arguments as a JSON object.") var args = "{}"
        @Option(help: "How many copies.") var count = 1
        @Option(help: "The queue.") var queue = "default"
        @Option(help: "Priority, 1 (first) to 4.") var priority = 2
        @Option(help: "Skip while a waiting job has this key.") var uniqueKey: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard let data = args.data(using: .utf8), (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                throw ValidationError("--args must be a JSON object")
            }
            guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be from 1 to 1000000") }
            guard (1...4).contains(priority) else { throw ValidationError("--priority must be from 1 to 4") }
        }

        func run() async throws {
            let user = ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
            let job = JobInsert(kind: kind, argumentsJSON: args, queue: queue, priority: priority, uniqueKey: uniqueKey,
                                meta: JobMeta(actor: "matchctl:\(user)"))
            let results = try await database.withPool { try await QueueAdmin(pool: $0).enqueue(job, count: count) }
            let ids = results.compactMap { if case .inserted(let id) = $0 { id } else { nil } }
            if json { return try Output.json(["inserted": ids.count, "skipped": results.count - ids.count]) }
            print("enqueued \(ids.count) job(s)" + (ids.count < results.count ? ", skipped \(results.count - ids.count) duplicate(s)" : ""))
            if let first = ids.first { print(ids.count == 1 ? "id \(first)" : "ids \(first)…\(ids.last!)") }
        }
    }
}
