import ArgumentParser
import Foundation
import MatchCore

/// `matchctl status`: daemons alive (and the leader), queue depths, oldest waiting job, pauses.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Daemons alive and the state of every queue.")

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let status = try await database.withPool { try await QueueAdmin(pool: $0).status() }
        if json {
            try Output.json(status)
            return
        }
        let formatter = ISO8601DateFormatter()
        print("daemons")
        Output.table(["ID", "HOST", "PID", "VERSION", "STARTED", "HEARTBEAT", "LEADER"], status.daemons.map {
            [$0.id, $0.host, String($0.pid), $0.version, formatter.string(from: $0.startedAt),
             formatter.string(from: $0.heartbeatAt), $0.isLeader ? "yes" : ""]
        })
        print("")
        print("queues")
        let states = JobState.allCases.map(\.rawValue)
        Output.table(["QUEUE"] + states.map { $0.uppercased() } + ["OLDEST AVAILABLE", "PAUSED"], status.queues.map { queue in
            [queue.queue] + states.map { String(queue.states[$0] ?? 0) }
                + [queue.oldestAvailableSeconds.map { String(format: "%.1fs", $0) } ?? "-", queue.paused ? "paused" : ""]
        })
    }
}
