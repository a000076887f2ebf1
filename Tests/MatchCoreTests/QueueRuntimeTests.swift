import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import MatchCore

enum ChainJob: JobKind {
    struct Arguments: Codable, Sendable { var step: Int }
    static let name = "test.chain"
    static let queue = "default"
}

/// Enqueues the next step as a follow-up until step 3; fails once at step 2.
struct ChainWorker: JobWorker {
    typealias Kind = ChainJob
    struct Flaky: Error, CustomStringConvertible { var description: String { "flaky step" } }

    func work(_ arguments: ChainJob.Arguments, context: JobContext) async throws -> JobOutcome {
        if arguments.step == 2 && context.attempt == 1 { throw Flaky() }
        if arguments.step < 3 {
            context.enqueue(try JobInsert(ChainJob.self, .init(step: arguments.step + 1), meta: context.meta))
        }
        return .complete
    }
}

@Suite("Worker runtime in process")
struct QueueRuntimeTests {
    @Test func followUpsCommitWithTheResultAndFailuresRetry() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 6))
        var registry = WorkerRegistry()
        registry.register(ChainWorker())
        var configuration = QueueRuntimeConfiguration(queues: ["default": 4])
        configuration.pollInterval = .milliseconds(50)
        let runtime = QueueRuntime(configuration: configuration, pool: pool, registry: registry)
        let group = ServiceGroup(services: runtime.services, logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        let meta = JobMeta(actor: "user:7", requestID: "req-1")
        _ = try await pool.withTransaction {
            try await JobQueue().enqueue(try JobInsert(ChainJob.self, .init(step: 1), meta: meta), in: $0)
        }
        // Step 2 fails once and retries after 1 s of backoff (1⁴ plus jitter).
        let done = try await eventually(timeout: .seconds(15)) {
            try await pool.query("SELECT count(*) AS n FROM jobs WHERE state = 'completed'")[0].decode(Int.self, "n") == 3
        }
        #expect(done)
        let rows = try await pool.query("""
            SELECT args->>'step' AS step, attempt, meta->>'actor' AS actor, meta->>'request_id' AS request,
                   jsonb_array_length(errors) AS errors FROM jobs ORDER BY id
            """)
        #expect(try rows.map { try $0.decode(String.self, "step") } == ["1", "2", "3"])
        #expect(try rows.map { try $0.decode(Int.self, "attempt") } == [1, 2, 1])
        #expect(try rows.allSatisfy { try $0.decode(String.self, "actor") == "user:7" && $0.decode(String.self, "request") == "req-1" })
        #expect(try rows[1].decode(Int.self, "errors") == 1)
        await group.triggerGracefulShutdown()
        try await running.value
        await pool.close()
    }
}
