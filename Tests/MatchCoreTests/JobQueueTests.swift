import Foundation
import Synchronization
import Testing
@testable import MatchCore

/// A clock the test moves.
final class ManualClock: JobClock {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    func now() -> Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

@Suite("Job queue state machine")
struct JobQueueTests {
    let clock = ManualClock()
    var queue: JobQueue { JobQueue(clock: clock) }

    func state(_ id: Int64, _ connection: PostgresConnection) async throws -> (JobState, Int, Date) {
        let row = try await connection.query("SELECT state::text AS state, attempt, scheduled_at FROM jobs WHERE id = \(id)")[0]
        return (try row.decode(JobState.self, "state"), try row.decode(Int.self, "attempt"), try row.decode(Date.self, "scheduled_at"))
    }

    func enqueue(_ job: JobInsert, _ connection: PostgresConnection) async throws -> Int64 {
        let result = try await connection.withTransaction { try await queue.enqueue(job, in: $0) }
        guard case .inserted(let id) = result else { throw PostgresError(.misuse, "not inserted") }
        return id
    }

    @Test func completeAfterFetch() async throws {
        try await withTestConnection { connection, _ in
            let id = try await enqueue(JobInsert(kind: "noop"), connection)
            #expect(try await state(id, connection).0 == .available)
            let fetched = try await queue.fetch(queue: "default", limit: 10, daemon: "d1", lease: .seconds(30), on: connection)
            #expect(fetched.map(\.id) == [id])
            #expect(fetched[0].attempt == 1)
            #expect(try await state(id, connection).0 == .running)
            // Another fetch does not see a running job.
            #expect(try await queue.fetch(queue: "default", limit: 10, daemon: "d2", lease: .seconds(30), on: connection).isEmpty)
            try await connection.withTransaction { try await queue.complete([id], daemon: "d1", in: $0) }
            #expect(try await state(id, connection).0 == .completed)
        }
    }

    @Test func failureRetriesWithBackoffThenDiscards() async throws {
        try await withTestConnection { connection, _ in
            let id = try await enqueue(JobInsert(kind: "noop", maxAttempts: 3), connection)
            for attempt in 1...3 {
                let fetched = try await queue.fetch(queue: "default", limit: 1, daemon: "d", lease: .seconds(30), on: connection)
                #expect(fetched.first?.attempt == attempt)
                try await connection.withTransaction {
                    try await queue.fail(id, daemon: "d", attempt: attempt, error: "boom \(attempt)", in: $0)
                }
                let (current, _, scheduled) = try await state(id, connection)
                if attempt < 3 {
                    #expect(current == .retryable)
                    let wait = scheduled.timeIntervalSince(clock.now())
                    let base = pow(Double(attempt), 4)
                    #expect(wait >= base && wait <= base * 1.1 + 0.001)
                    // Not fetchable before its time.
                    #expect(try await queue.fetch(queue: "default", limit: 1, daemon: "d", lease: .seconds(30), on: connection).isEmpty)
                    clock.advance(wait + 0.001)
                } else {
                    #expect(current == .discarded)
                }
            }
            let errors = try await connection.query("SELECT jsonb_array_length(errors) AS n FROM jobs WHERE id = \(id)")[0]
            #expect(try errors.decode(Int.self, "n") == 3)
        }
    }

    @Test func scheduledJobsWaitForTheirTime() async throws {
        try await withTestConnection { connection, _ in
            let id = try await enqueue(JobInsert(kind: "noop", scheduledAt: clock.now().addingTimeInterval(60)), connection)
            #expect(try await state(id, connection).0 == .scheduled)
            #expect(try await queue.fetch(queue: "default", limit: 1, daemon: "d", lease: .seconds(30), on: connection).isEmpty)
            clock.advance(61)
            #expect(try await queue.fetch(queue: "default", limit: 1, daemon: "d", lease: .seconds(30), on: connection).count == 1)
        }
    }

    @Test func workerOutcomes() async throws {
        try await withTestConnection { connection, _ in
            let ids = [try await enqueue(JobInsert(kind: "noop"), connection),
                       try await enqueue(JobInsert(kind: "noop"), connection),
                       try await enqueue(JobInsert(kind: "noop"), connection)]
            _ = try await queue.fetch(queue: "default", limit: 3, daemon: "d", lease: .seconds(30), on: connection)
            try await connection.withTransaction { tx in
                try await queue.record(.snooze(seconds: 30), for: ids[0], daemon: "d", in: tx)
                try await queue.record(.discard(reason: "not wanted"), for: ids[1], daemon: "d", in: tx)
                try await queue.record(.cancel(reason: "offer closed"), for: ids[2], daemon: "d", in: tx)
            }
            let snoozed = try await state(ids[0], connection)
            #expect(snoozed.0 == .scheduled)
            #expect(snoozed.1 == 0)
            #expect(abs(snoozed.2.timeIntervalSince(clock.now()) - 30) < 0.001)
            #expect(try await state(ids[1], connection).0 == .discarded)
            #expect(try await state(ids[2], connection).0 == .cancelled)
        }
    }

    @Test func rescueReturnsLapsedLeases() async throws {
        try await withTestConnection { connection, _ in
            let retried = try await enqueue(JobInsert(kind: "noop", maxAttempts: 5), connection)
            let lastChance = try await enqueue(JobInsert(kind: "noop", maxAttempts: 1), connection)
            _ = try await queue.fetch(queue: "default", limit: 2, daemon: "dead", lease: .seconds(30), on: connection)
            #expect(try await queue.rescue(on: connection) == 0)
            clock.advance(31)
            #expect(try await queue.rescue(on: connection) == 2)
            #expect(try await state(retried, connection).0 == .retryable)
            #expect(try await state(lastChance, connection).0 == .discarded)
            let fetched = try await queue.fetch(queue: "default", limit: 2, daemon: "alive", lease: .seconds(30), on: connection)
            #expect(fetched.map(\.id) == [retried])
            #expect(fetched[0].attempt == 2)
        }
    }

    /// Two running jobs of one key whose daemon died are rescued in one statement: the newer goes
    /// back to waiting, the older is cancelled as superseded (both waiting would break the key).
    @Test func rescueKeepsOneJobOfAKey() async throws {
        try await withTestConnection { connection, _ in
            let job = JobInsert(kind: "match.offer", queue: "matching", uniqueKey: "match.offer:3")
            let older = try await enqueue(job, connection)
            _ = try await queue.fetch(queue: "matching", limit: 1, daemon: "dead", lease: .seconds(30), on: connection)
            let newer = try await enqueue(job, connection)
            _ = try await queue.fetch(queue: "matching", limit: 1, daemon: "dead", lease: .seconds(30), on: connection)
            clock.advance(31)
            #expect(try await queue.rescue(on: connection) == 2)
            #expect(try await state(older, connection).0 == .cancelled)
            #expect(try await state(newer, connection).0 == .retryable)
        }
    }

    @Test func handBackKeepsTheAttempt() async throws {
        try await withTestConnection { connection, _ in
            let id = try await enqueue(JobInsert(kind: "noop"), connection)
            _ = try await queue.fetch(queue: "default", limit: 1, daemon: "d", lease: .seconds(30), on: connection)
            try await queue.handBack([id], daemon: "d", on: connection)
            let (current, attempt, _) = try await state(id, connection)
            #expect(current == .available)
            #expect(attempt == 0)
        }
    }

    @Test func pruneKeepsWhatIsWithinRetention() async throws {
        try await withTestConnection { connection, _ in
            let done = try await enqueue(JobInsert(kind: "noop"), connection)
            let failed = try await enqueue(JobInsert(kind: "noop", maxAttempts: 1), connection)
            _ = try await queue.fetch(queue: "default", limit: 2, daemon: "d", lease: .seconds(30), on: connection)
            try await connection.withTransaction { tx in
                try await queue.complete([done], daemon: "d", in: tx)
                try await queue.fail(failed, daemon: "d", attempt: 1, error: "x", in: tx)
            }
            clock.advance(25 * 3600)
            #expect(try await queue.prune(completedOlderThan: .seconds(86_400), discardedOlderThan: .seconds(7 * 86_400),
                                          on: connection) == 1)
            clock.advance(7 * 86_400)
            #expect(try await queue.prune(completedOlderThan: .seconds(86_400), discardedOlderThan: .seconds(7 * 86_400),
                                          on: connection) == 1)
            #expect(try await connection.query("SELECT id FROM jobs").isEmpty)
        }
    }

    /// A change merged into a waiting job holds that job's row until it commits: the fetcher
    /// skips the job meanwhile, so it never runs on the state before the change.
    @Test func aMergedChangeHoldsTheWaitingJobUntilItCommits() async throws {
        try await withTestConnection { connection, conninfo in
            let job = JobInsert(kind: "match.participant", queue: "matching", uniqueKey: "match.participant:7")
            _ = try await connection.withTransaction { try await queue.enqueue(job, in: $0) }
            let writer = try await PostgresConnection.connect(conninfo)
            let merged = JobGate()
            let commit = JobGate()
            let writing = Task {
                try await writer.withTransaction { tx in
                    let result = try await queue.enqueue(job, in: tx)
                    await merged.open()
                    await commit.pass()
                    return result
                }
            }
            await merged.pass()
            let whileOpen = try await queue.fetch(queue: "matching", limit: 1, daemon: "d", lease: .seconds(30), on: connection)
            #expect(whileOpen.isEmpty, "the job started before the change merged into it committed")
            await commit.open()
            #expect(try await writing.value == .skippedDuplicate)
            let after = try await queue.fetch(queue: "matching", limit: 1, daemon: "d", lease: .seconds(30), on: connection)
            #expect(after.count == 1)
            await writer.close()
        }
    }

    /// A running job that fails, snoozes or is handed back while another job with its key waits is
    /// cancelled as superseded: the waiting job covers the key (and no unique violation aborts the
    /// daemon's batch).
    @Test func aJobWhoseKeyWaitsAgainIsSupersededInsteadOfRetried() async throws {
        try await withTestConnection { connection, _ in
            let job = JobInsert(kind: "match.offer", queue: "matching", uniqueKey: "match.offer:9")
            for ending in ["fail", "snooze", "hand back"] {
                _ = try await connection.withTransaction { try await queue.enqueue(job, in: $0) }
                let running = try #require(try await queue.fetch(queue: "matching", limit: 1, daemon: "d", lease: .seconds(30),
                                                                 on: connection).first)
                guard case .inserted(let waiting) = try await connection.withTransaction({ try await queue.enqueue(job, in: $0) }) else {
                    Issue.record("the change while running was merged"); return
                }
                switch ending {
                case "fail":
                    try await connection.withTransaction { try await queue.fail(running.id, daemon: "d", attempt: 1, error: "x", in: $0) }
                case "snooze":
                    try await connection.withTransaction { try await queue.record(.snooze(seconds: 5), for: running.id, daemon: "d", in: $0) }
                default:
                    try await queue.handBack([running.id], daemon: "d", on: connection)
                }
                let states = try await connection.query("SELECT id, state::text AS state FROM jobs WHERE id IN (\(running.id), \(waiting))")
                let byID = Dictionary(uniqueKeysWithValues: try states.map { (try $0.decode(Int64.self, "id"), try $0.decode(String.self, "state")) })
                #expect(byID[running.id] == "cancelled", "\(ending)")
                #expect(byID[waiting] == "available", "\(ending)")
                try await connection.execute("DELETE FROM jobs")
            }
        }
    }

    @Test func uniqueKeysSkipWaitingDuplicatesOnly() async throws {
        try await withTestConnection { connection, _ in
            let job = JobInsert(kind: "match.offer", queue: "matching", uniqueKey: "match.offer:42")
            let first = try await connection.withTransaction { try await queue.enqueue(job, in: $0) }
            let second = try await connection.withTransaction { try await queue.enqueue(job, in: $0) }
            #expect(second == .skippedDuplicate)
            guard case .inserted(let id) = first else { Issue.record("not inserted"); return }
            // While it runs, a change gets a new job.
            _ = try await queue.fetch(queue: "matching", limit: 1, daemon: "d", lease: .seconds(30), on: connection)
            let whileRunning = try await connection.withTransaction { try await queue.enqueue(job, in: $0) }
            #expect(whileRunning != .skippedDuplicate)
            try await connection.withTransaction { try await queue.complete([id], daemon: "d", in: $0) }
            guard case .inserted(let second) = whileRunning else { return }
            _ = try await queue.fetch(queue: "matching", limit: 1, daemon: "d", lease: .seconds(30), on: connection)
            try await connection.withTransaction { try await queue.complete([second], daemon: "d", in: $0) }
            // After completion the key is free again.
            let again = try await connection.withTransaction { try await queue.enqueue(job, in: $0) }
            #expect(again != .skippedDuplicate)
            // Batches skip duplicates within themselves and against the table.
            let batch = try await connection.withTransaction {
                try await queue.enqueue(batch: [job, JobInsert(kind: "noop"), job], in: $0)
            }
            #expect(batch[0] == .skippedDuplicate)
            #expect(batch[2] == .skippedDuplicate)
            if case .inserted = batch[1] {} else { Issue.record("the job without a key was skipped") }
            // COPY enqueue skips them too.
            let copied = try await connection.withTransaction {
                try await queue.enqueue(copying: [job, JobInsert(kind: "noop", uniqueKey: "fresh")], in: $0)
            }
            #expect(copied == 1)
        }
    }

    @Test func pausedQueuesAreNotFetched() async throws {
        try await withTestConnection { connection, conninfo in
            _ = try await enqueue(JobInsert(kind: "noop", queue: "matching"), connection)
            let pool = PostgresPool(configuration: .init(conninfo: conninfo, maxConnections: 2))
            let admin = QueueAdmin(pool: pool, clock: clock)
            try await admin.pause("matching", by: "test")
            #expect(try await queue.fetch(queue: "matching", limit: 1, daemon: "d", lease: .seconds(30), on: connection).isEmpty)
            try await admin.resume("matching")
            #expect(try await queue.fetch(queue: "matching", limit: 1, daemon: "d", lease: .seconds(30), on: connection).count == 1)
            await pool.close()
        }
    }

    @Test func aJobAndADomainWriteCommitTogether() async throws {
        try await withTestConnection { connection, _ in
            try await connection.execute("CREATE TABLE offers (id int)")
            struct Rollback: Error {}
            await #expect(throws: Rollback.self) {
                try await connection.withTransaction { tx in
                    try await tx.execute("INSERT INTO offers VALUES (1)")
                    _ = try await queue.enqueue(JobInsert(kind: "match.offer"), in: tx)
                    throw Rollback()
                }
            }
            #expect(try await connection.query("SELECT id FROM jobs").isEmpty)
        }
    }

    @Test func fetchUsesThePartialIndexOverAMillionFinishedRows() async throws {
        try await withTestConnection { connection, _ in
            try await connection.execute("""
                INSERT INTO jobs (kind, state, finalized_at) SELECT 'noop', 'completed', now() FROM generate_series(1, 1000000)
                """)
            _ = try await enqueue(JobInsert(kind: "noop"), connection)
            try await connection.execute("ANALYZE jobs")
            let plan = try await connection.query("""
                EXPLAIN SELECT id FROM jobs WHERE state IN ('available', 'scheduled', 'retryable') AND queue = 'default'
                AND scheduled_at <= now() ORDER BY priority, scheduled_at, id LIMIT 10 FOR UPDATE SKIP LOCKED
                """).map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
            #expect(plan.contains("jobs_fetchable"), "\(plan)")
        }
    }
}
