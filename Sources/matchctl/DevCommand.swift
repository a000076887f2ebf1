import ArgumentParser
import Foundation
import MatchCore

/// `matchctl dev`: the private PostgreSQL cluster for development.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Start (or stop) the private development cluster; prints its connection string last."
    )

    @Flag(name: .long, help: "Stop the cluster (its data stays).")
    var stop = false

    func run() async throws {
        if stop {
            try DevCluster.stop()
            print("stopped the development cluster in \(DevCluster.folder().path)")
            return
        }
        let conninfo = try await DevCluster.ensureRunning()
        print("development cluster running in \(DevCluster.folder().path), database migrated")
        print(conninfo)
    }
}
