import Foundation
import Testing
@testable import MatchCore

@Suite("The queue across daemon processes", .serialized)
struct QueueProcessTests {
    @Test func threeDaemonsDrainTwentyThousandJobsExactlyOnce() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        try await enqueueNoops(20_000, on: connection)
        let daemons = try (0..<3).map { _ in try DaemonProcess(conninfo: conninfo, queues: ["default": 50]) }
        let drained = try await waitUntil(timeout: .seconds(120)) {
            try await jobCounts(connection)[.completed] == 20_000
        }
        let countsNow = try await jobCounts(connection)
        #expect(drained, "\(countsNow)")
        let rerun = try await connection.query("SELECT count(*) AS n FROM jobs WHERE attempt <> 1")[0].decode(Int.self, "n")
        #expect(rerun == 0)
        let workers = try await connection.query("SELECT count(DISTINCT attempted_by) AS n FROM jobs")[0].decode(Int.self, "n")
        #expect(workers == 3)
        for daemon in daemons { daemon.terminate() }
        for daemon in daemons { #expect(await daemon.waitForExit() == 0) }
        await connection.close()
    }

    @Test func aKilledDaemonsJobsAreRescued() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        try await enqueueNoops(600, sleepMilliseconds: 20, on: connection)
        let first = try DaemonProcess(conninfo: conninfo, queues: ["default": 20])
        _ = try await waitUntil { (try await jobCounts(connection)[.completed] ?? 0) > 100 }
        first.kill9()
        // A statement the daemon sent just before it died still commits on the server (a fetch
        // marking more jobs running), so count only once its connections are gone.
        _ = try await waitUntil(timeout: .seconds(10)) {
            try await connection.query("""
                SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                """)[0].decode(Int.self, "n") == 0
        }
        let runningAtKill = try await jobCounts(connection)[.running] ?? 0
        let second = try DaemonProcess(conninfo: conninfo, queues: ["default": 20])
        let drained = try await waitUntil(timeout: .seconds(90)) { try await jobCounts(connection)[.completed] == 600 }
        let countsNow = try await jobCounts(connection)
        #expect(drained, "\(countsNow)")
        let tooMany = try await connection.query("SELECT count(*) AS n FROM jobs WHERE attempt > 2")[0].decode(Int.self, "n")
        #expect(tooMany == 0)
        let rescued = try await connection.query("SELECT count(*) AS n FROM jobs WHERE attempt = 2")[0].decode(Int.self, "n")
        #expect(rescued <= max(runningAtKill, 20))
        second.terminate()
        #expect(await second.waitForExit() == 0)
        await connection.close()
    }

    @Test func sigtermLetsARunningJobFinish() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        let daemon = try DaemonProcess(conninfo: conninfo)
        try await enqueueNoops(1, sleepMilliseconds: 2000, on: connection)
        #expect(try await waitUntil(timeout: .seconds(20)) { try await jobCounts(connection)[.running] == 1 })
        daemon.terminate()
        #expect(await daemon.waitForExit(timeout: .seconds(20)) == 0)
        let counts = try await jobCounts(connection)
        #expect(counts[.completed] == 1, "\(counts)")
        #expect(counts[.running] == nil)
        await connection.close()
    }

    @Test func aJobPastTheGracePeriodIsHandedBack() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        let daemon = try DaemonProcess(conninfo: conninfo, extra: ["LOTSEN_QUEUE_GRACE_PERIOD_MS": "300"])
        try await enqueueNoops(1, sleepMilliseconds: 60_000, on: connection)
        #expect(try await waitUntil(timeout: .seconds(20)) { try await jobCounts(connection)[.running] == 1 })
        daemon.terminate()
        #expect(await daemon.waitForExit(timeout: .seconds(20)) == 0)
        let row = try await connection.query("SELECT state::text AS state, attempt FROM jobs")[0]
        #expect(try row.decode(JobState.self, "state") == .available)
        #expect(try row.decode(Int.self, "attempt") == 0)
        await connection.close()
    }

    @Test func cancellingARunningJobFromMatchctl() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        let daemon = try DaemonProcess(conninfo: conninfo)
        try await enqueueNoops(1, sleepMilliseconds: 60_000, on: connection)
        #expect(try await waitUntil(timeout: .seconds(20)) { try await jobCounts(connection)[.running] == 1 })
        let id = try await connection.query("SELECT id FROM jobs")[0].decode(Int64.self, "id")
        let matchctl = Process()
        matchctl.executableURL = BuiltProducts.url("matchctl")
        matchctl.arguments = ["jobs", "cancel", String(id), "--database-url", conninfo]
        matchctl.standardOutput = FileHandle.nullDevice
        try matchctl.run()
        matchctl.waitUntilExit()
        #expect(matchctl.terminationStatus == 0)
        let cancelled = try await waitUntil(timeout: .seconds(5)) { try await jobCounts(connection)[.cancelled] == 1 }
        let countsNow = try await jobCounts(connection)
        #expect(cancelled, "\(countsNow)")
        daemon.terminate()
        #expect(await daemon.waitForExit() == 0)
        await connection.close()
    }

    @Test func aPausedQueueStartsNothingUntilResumed() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 2))
        let admin = QueueAdmin(pool: pool)
        let daemons = try (0..<2).map { _ in try DaemonProcess(conninfo: conninfo) }
        try await admin.pause("default", by: "test")
        try await enqueueNoops(50, on: connection)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await jobCounts(connection)[.available] == 50)
        try await admin.resume("default")
        #expect(try await waitUntil(timeout: .seconds(20)) { try await jobCounts(connection)[.completed] == 50 })
        for daemon in daemons { daemon.terminate() }
        for daemon in daemons { #expect(await daemon.waitForExit() == 0) }
        await pool.close()
        await connection.close()
    }

    @Test func leadershipFailsOverWhenTheLeaderDies() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        let daemons = try (0..<2).map { _ in try DaemonProcess(conninfo: conninfo) }
        func leaderPID() async throws -> Int? {
            try await connection.query("""
                SELECT d.pid FROM queue_leader l JOIN queue_daemons d ON d.id = l.daemon_id WHERE l.expires_at > now()
                """).first?.decode(Int.self, "pid")
        }
        #expect(try await waitUntil(timeout: .seconds(20)) { try await leaderPID() != nil })
        let first = try #require(try await leaderPID())
        let (leader, other) = daemons[0].pid == Int32(first) ? (daemons[0], daemons[1]) : (daemons[1], daemons[0])
        leader.kill9()
        let tookOver = try await waitUntil(timeout: .seconds(20)) { try await leaderPID() == Int(other.pid) }
        #expect(tookOver)
        other.terminate()
        #expect(await other.waitForExit() == 0)
        await connection.close()
    }

    @Test func anUnknownKindIsRetriedWithAClearError() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        let daemon = try DaemonProcess(conninfo: conninfo)
        _ = try await connection.withTransaction { try await JobQueue().enqueue(JobInsert(kind: "from.the.future"), in: $0) }
        try await connection.execute("SELECT pg_notify(\(JobQueue.wakeupChannel), 'default')")
        #expect(try await waitUntil(timeout: .seconds(20)) { try await jobCounts(connection)[.retryable] == 1 })
        let errors = try await connection.query("SELECT errors::text AS e FROM jobs")[0].decode(String.self, "e")
        #expect(errors.contains("unknown job kind"))
        daemon.terminate()
        #expect(await daemon.waitForExit() == 0)
        await connection.close()
    }

    @Test func pollOnlyModeRunsJobsWithoutListening() async throws {
        let conninfo = try await TestPostgres.shared.makeDatabase()
        let connection = try await PostgresConnection.connect(conninfo)
        let daemon = try DaemonProcess(conninfo: conninfo, extra: ["LOTSEN_QUEUE_POLL_ONLY": "true"])
        try await enqueueNoops(100, on: connection)
        #expect(try await waitUntil(timeout: .seconds(20)) { try await jobCounts(connection)[.completed] == 100 })
        let listening = try await connection.query("""
            SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'
            """)[0].decode(Int.self, "n")
        #expect(listening == 0)
        daemon.terminate()
        #expect(await daemon.waitForExit() == 0)
        await connection.close()
    }
}
