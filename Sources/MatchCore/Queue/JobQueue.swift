import Foundation

/// The SQL of the jobs table, in one place: enqueue, fetch, record results, rescue, prune, and
/// the operators' actions. Times come from an injected clock, so tests can move time.
public struct JobQueue: Sendable {
    /// The channel wake-ups are sent on; the payload is the queue's name.
    public static let wakeupChannel = "lotsen_jobs"
    /// The channel on which running jobs are cancelled; the payload is the job id.
    public static let cancelChannel = "lotsen_job_cancel"
    /// The channel on which pauses and resumes are announced; the payload is the queue.
    public static let pauseChannel = "lotsen_queue_pause"

    /// The clock.
    public let clock: any JobClock

    /// A queue reading time from `clock`.
    public init(clock: any JobClock = SystemJobClock()) {
        self.clock = clock
    }

    // MARK: Enqueue

    /// What a unique job does when a job with its key already waits: it is merged into that job,
    /// which runs no later than either asked and gains the new job's attempts (a change merged into
    /// a job on its last retry is not discarded with it). The merge is an update, so it holds the waiting job's
    /// row lock until the caller commits, and a fetch (`FOR UPDATE SKIP LOCKED`) cannot start the
    /// job before then: a job never runs on a state older than a change that was merged into it.
    /// (Skipping the duplicate instead let the waiting job start before the change committed, and
    /// then nothing ever looked at the change.) A key whose job is running does not conflict: the
    /// change gets a job of its own that runs after.
    static let mergeIntoWaiting: PostgresQuery = """
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'scheduled', 'retryable')
        DO UPDATE SET scheduled_at = least(jobs.scheduled_at, excluded.scheduled_at),
                      priority = least(jobs.priority, excluded.priority),
                      max_attempts = greatest(jobs.max_attempts, jobs.attempt + excluded.max_attempts)
        """

    /// Whether another job with this row's unique key waits: a running job that would go back to
    /// waiting (a failure's retry, a snooze, a hand-back, a rescue) is then cancelled as superseded
    /// instead, since the waiting job covers its key and will read everything it would have.
    static let superseded: PostgresQuery = """
        (jobs.unique_key IS NOT NULL AND EXISTS (SELECT 1 FROM jobs waiting WHERE waiting.unique_key = jobs.unique_key
            AND waiting.id <> jobs.id AND waiting.state IN ('available', 'scheduled', 'retryable')))
        """

    /// For a rescue, which returns many running jobs at once: also superseded by a newer job of its
    /// key that is running or waiting, so two rescued jobs of one key never both go back to waiting.
    static let supersededWhenRescued: PostgresQuery = """
        (jobs.unique_key IS NOT NULL AND EXISTS (SELECT 1 FROM jobs newer WHERE newer.unique_key = jobs.unique_key
            AND newer.id > jobs.id AND newer.state IN ('available', 'scheduled', 'retryable', 'running')))
        """

    /// Enqueues one job in the caller's transaction; a unique job whose key already waits is
    /// merged into the waiting one (see `mergeIntoWaiting`).
    public func enqueue(_ job: JobInsert, in transaction: PostgresTransaction) async throws -> EnqueueResult {
        let now = clock.now()
        let rows = try await transaction.query("""
            INSERT INTO jobs (kind, queue, args, meta, priority, max_attempts, scheduled_at, unique_key, state, created_at)
            VALUES (\(job.kind), \(job.queue), \(job.argumentsJSON)::jsonb, \(job.metaJSON)::jsonb, \(job.priority),
                    \(job.maxAttempts), \(job.scheduledAt ?? now), \(job.uniqueKey),
                    \((job.scheduledAt ?? now) > now ? JobState.scheduled : .available)::job_state, \(now))
            \(Self.mergeIntoWaiting)
            RETURNING id, xmax = 0 AS inserted
            """)
        // xmax is 0 on a row this statement inserted, and set on one it updated (merged into).
        guard let row = rows.first, try row.decode(Bool.self, "inserted") else { return .skippedDuplicate }
        return .inserted(try row.decode(Int64.self, "id"))
    }

    /// Enqueues many jobs in one statement; returns one result per job, in order (a job merged into
    /// a waiting one, or into an earlier job of the batch with its key, is `skippedDuplicate`).
    /// Jobs of one key after the first are merged into it before the statement (one statement
    /// cannot update a row twice); unique keys are sent in sorted order, so two transactions
    /// merging into the same waiting jobs lock them in one order.
    public func enqueue(batch jobs: [JobInsert], in transaction: PostgresTransaction) async throws -> [EnqueueResult] {
        guard !jobs.isEmpty else { return [] }
        let now = clock.now()
        var seenKeys = Set<String>()
        let sent = jobs.indices.filter { jobs[$0].uniqueKey.map { seenKeys.insert($0).inserted } ?? true }
            .sorted { (jobs[$0].uniqueKey ?? "", $0) < (jobs[$1].uniqueKey ?? "", $1) }
        let unique = sent.map { jobs[$0] }
        let rows = try await transaction.query("""
            INSERT INTO jobs (kind, queue, args, meta, priority, max_attempts, scheduled_at, unique_key, state, created_at)
            SELECT kind, queue, args::jsonb, meta::jsonb, priority, max_attempts, scheduled_at::timestamptz,
                   NULLIF(unique_key, ''),
                   CASE WHEN scheduled_at::timestamptz > \(now) THEN 'scheduled' ELSE 'available' END::job_state, \(now)
            FROM unnest(\(unique.map(\.kind)), \(unique.map(\.queue)), \(unique.map(\.argumentsJSON)), \(unique.map(\.metaJSON)),
                        \(unique.map { Int64($0.priority) }), \(unique.map { Int64($0.maxAttempts) }),
                        \(unique.map { PostgresTimestamp.format($0.scheduledAt ?? now) }), \(unique.map { $0.uniqueKey ?? "" }))
                 WITH ORDINALITY AS j(kind, queue, args, meta, priority, max_attempts, scheduled_at, unique_key, n)
            ORDER BY n
            \(Self.mergeIntoWaiting)
            RETURNING id, xmax = 0 AS inserted
            """)
        // Rows come back in insertion order, one per job sent.
        var results = Array(repeating: EnqueueResult.skippedDuplicate, count: jobs.count)
        for (index, row) in zip(sent, rows) where try row.decode(Bool.self, "inserted") {
            results[index] = .inserted(try row.decode(Int64.self, "id"))
        }
        return results
    }

    /// Enqueues many jobs through COPY into a staging table, then one INSERT that merges waiting
    /// duplicates (COPY itself cannot); returns how many were inserted.
    public func enqueue(copying jobs: [JobInsert], in transaction: PostgresTransaction) async throws -> Int {
        let now = clock.now()
        try await transaction.execute("""
            CREATE TEMP TABLE IF NOT EXISTS jobs_staging (
                kind text, queue text, args jsonb, meta jsonb, priority smallint, max_attempts integer,
                scheduled_at timestamptz, unique_key text
            ) ON COMMIT DELETE ROWS
            """)
        _ = try await transaction.connection.copyFrom("""
            COPY jobs_staging (kind, queue, args, meta, priority, max_attempts, scheduled_at, unique_key) FROM STDIN
            """) { writer in
            for job in jobs {
                try await writer.append([job.kind, job.queue, job.argumentsJSON, job.metaJSON, job.priority,
                                         job.maxAttempts, job.scheduledAt ?? now, job.uniqueKey])
            }
        }
        return try await transaction.query("""
            WITH done AS (
                INSERT INTO jobs (kind, queue, args, meta, priority, max_attempts, scheduled_at, unique_key, state, created_at)
                SELECT kind, queue, args, meta, priority, max_attempts, scheduled_at, unique_key,
                       CASE WHEN scheduled_at > \(now) THEN 'scheduled' ELSE 'available' END::job_state, \(now)
                FROM (SELECT * FROM jobs_staging WHERE unique_key IS NULL
                      UNION ALL
                      (SELECT DISTINCT ON (unique_key) * FROM jobs_staging WHERE unique_key IS NOT NULL ORDER BY unique_key)) staged
                \(Self.mergeIntoWaiting)
                RETURNING xmax = 0 AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted) AS n FROM done
            """)[0].decode(Int.self, "n")
    }

    // MARK: Running

    /// Takes up to `limit` fetchable jobs of `queue` for `daemon`, in priority, time and id order.
    public func fetch(queue: String, limit: Int, daemon: String, lease: Duration,
                      on connection: PostgresConnection) async throws -> [FetchedJob] {
        guard limit > 0 else { return [] }
        let now = clock.now()
        let rows = try await connection.query("""
            WITH picked AS (
                SELECT id FROM jobs
                WHERE state IN ('available', 'scheduled', 'retryable') AND queue = \(queue) AND scheduled_at <= \(now)
                  AND NOT EXISTS (SELECT 1 FROM queue_pauses WHERE queue_pauses.queue = \(queue))
                ORDER BY priority, scheduled_at, id
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE jobs SET state = 'running', attempt = jobs.attempt + 1, attempted_at = \(now),
                attempted_by = \(daemon), lease_expires_at = \(now.addingTimeInterval(lease.inSeconds))
            FROM picked WHERE jobs.id = picked.id
            RETURNING jobs.id, jobs.kind, jobs.queue, jobs.args::text AS args, jobs.meta::text AS meta,
                      jobs.attempt, jobs.max_attempts, jobs.scheduled_at
            """)
        return try rows.map { row in
            FetchedJob(id: try row.decode(Int64.self, "id"), kind: try row.decode(String.self, "kind"),
                       queue: try row.decode(String.self, "queue"), argumentsJSON: try row.decode(String.self, "args"),
                       metaJSON: try row.decode(String.self, "meta"), attempt: try row.decode(Int.self, "attempt"),
                       maxAttempts: try row.decode(Int.self, "max_attempts"), scheduledAt: try row.decode(Date.self, "scheduled_at"))
        }
    }

    /// Marks jobs that `daemon` ran as completed, in one statement.
    public func complete(_ ids: [Int64], daemon: String, in transaction: PostgresTransaction) async throws {
        guard !ids.isEmpty else { return }
        try await transaction.execute("""
            UPDATE jobs SET state = 'completed', finalized_at = \(clock.now()), lease_expires_at = NULL
            WHERE id = ANY(\(ids)) AND state = 'running' AND attempted_by = \(daemon)
            """)
    }

    /// Records a failed attempt: retryable after the backoff, or discarded when out of attempts.
    public func fail(_ id: Int64, daemon: String, attempt: Int, error: String,
                     in transaction: PostgresTransaction) async throws {
        let now = clock.now()
        let retryAt = now.addingTimeInterval(Self.backoff(attempt: attempt))
        try await transaction.execute("""
            UPDATE jobs SET
                state = CASE WHEN attempt >= max_attempts THEN 'discarded' WHEN \(Self.superseded) THEN 'cancelled'
                             ELSE 'retryable' END::job_state,
                scheduled_at = CASE WHEN attempt >= max_attempts THEN scheduled_at ELSE \(retryAt) END,
                finalized_at = CASE WHEN attempt >= max_attempts OR \(Self.superseded) THEN \(now) END,
                errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', \(now)::timestamptz,
                                                                        'error', \(error)::text)),
                lease_expires_at = NULL
            WHERE id = \(id) AND state = 'running' AND attempted_by = \(daemon)
            """)
    }

    /// Applies what a worker said: snooze, discard or cancel.
    public func record(_ outcome: JobOutcome, for id: Int64, daemon: String,
                       in transaction: PostgresTransaction) async throws {
        let now = clock.now()
        switch outcome {
        case .complete:
            try await complete([id], daemon: daemon, in: transaction)
        case .snooze(let seconds):
            try await transaction.execute("""
                UPDATE jobs SET state = CASE WHEN \(Self.superseded) THEN 'cancelled' ELSE 'scheduled' END::job_state,
                    finalized_at = CASE WHEN \(Self.superseded) THEN \(now) END,
                    attempt = attempt - 1, lease_expires_at = NULL,
                    scheduled_at = \(now.addingTimeInterval(TimeInterval(seconds)))
                WHERE id = \(id) AND state = 'running' AND attempted_by = \(daemon)
                """)
        case .discard(let reason), .cancel(let reason):
            let state: JobState = if case .discard = outcome { .discarded } else { .cancelled }
            try await transaction.execute("""
                UPDATE jobs SET state = \(state)::job_state, finalized_at = \(now), lease_expires_at = NULL,
                    errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', \(now)::timestamptz,
                                                                            'error', \(reason)::text))
                WHERE id = \(id) AND state = 'running' AND attempted_by = \(daemon)
                """)
        }
    }

    /// Gives running jobs back to the queue without using up their attempt (a shutdown's hand-back).
    public func handBack(_ ids: [Int64], daemon: String, on connection: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        try await connection.execute("""
            UPDATE jobs SET state = CASE WHEN \(Self.superseded) THEN 'cancelled' ELSE 'available' END::job_state,
                finalized_at = CASE WHEN \(Self.superseded) THEN \(clock.now()) END,
                attempt = greatest(attempt - 1, 0), lease_expires_at = NULL,
                scheduled_at = \(clock.now())
            WHERE id = ANY(\(ids)) AND state = 'running' AND attempted_by = \(daemon)
            """)
    }

    /// Extends the leases of `daemon`'s running jobs; returns the ids an operator asked to cancel.
    public func heartbeat(_ ids: [Int64], daemon: String, lease: Duration,
                          on connection: PostgresConnection) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query("""
            UPDATE jobs SET lease_expires_at = \(clock.now().addingTimeInterval(lease.inSeconds))
            WHERE id = ANY(\(ids)) AND state = 'running' AND attempted_by = \(daemon)
            RETURNING id, cancel_requested_at IS NOT NULL AS cancel
            """)
        return try rows.filter { try $0.decode(Bool.self, "cancel") }.map { try $0.decode(Int64.self, "id") }
    }

    /// Backoff before retry `attempt`: attempt⁴ seconds plus up to 10 % jitter (as River and Oban).
    public static func backoff(attempt: Int, jitter: Double = Double.random(in: 0..<0.1)) -> TimeInterval {
        let base = pow(Double(max(attempt, 1)), 4)
        return base + base * jitter
    }

    // MARK: Maintenance

    /// Returns running jobs whose lease lapsed (their daemon died) to retryable, or discards them
    /// when out of attempts; returns how many.
    public func rescue(on connection: PostgresConnection, limit: Int = 1000) async throws -> Int {
        let now = clock.now()
        return try await connection.execute("""
            UPDATE jobs SET
                state = CASE WHEN attempt >= max_attempts THEN 'discarded' WHEN \(Self.supersededWhenRescued) THEN 'cancelled'
                             ELSE 'retryable' END::job_state,
                finalized_at = CASE WHEN attempt >= max_attempts OR \(Self.supersededWhenRescued) THEN \(now) END,
                scheduled_at = \(now), lease_expires_at = NULL,
                errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', \(now)::timestamptz,
                    'error', 'the lease lapsed: daemon ' || coalesce(attempted_by, '?') || ' stopped heartbeating'))
            WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < \(now)
                         ORDER BY lease_expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            """)
    }

    /// Deletes finished jobs past their retention, in bounded batches; returns how many.
    public func prune(completedOlderThan completedRetention: Duration, discardedOlderThan discardedRetention: Duration,
                      batchSize: Int = 5000, on connection: PostgresConnection) async throws -> Int {
        let now = clock.now()
        var total = 0
        while true {
            let deleted = try await connection.execute("""
                DELETE FROM jobs WHERE id IN (
                    SELECT id FROM jobs
                    WHERE (state IN ('completed', 'cancelled') AND finalized_at < \(now.addingTimeInterval(-completedRetention.inSeconds)))
                       OR (state = 'discarded' AND finalized_at < \(now.addingTimeInterval(-discardedRetention.inSeconds)))
                    LIMIT \(batchSize))
                """)
            total += deleted
            if deleted < batchSize { return total }
        }
    }
}

/// How many jobs a queue holds by state, and how long its oldest available job has waited.
public struct QueueDepth: Sendable {
    /// Jobs by state (states without jobs are absent).
    public var states: [JobState: Int] = [:]
    /// Seconds the oldest available job has waited; nil when none is available.
    public var oldestAvailableSeconds: Double?
}

extension JobQueue {
    /// The depth of every queue that has jobs in one of `states` (by default any state).
    public func depth(of states: [JobState] = JobState.allCases, on pool: PostgresPool) async throws -> [String: QueueDepth] {
        let rows = try await pool.query("""
            SELECT queue, state::text AS state, count(*) AS n,
                   extract(epoch FROM \(clock.now()) - min(scheduled_at) FILTER (WHERE state = 'available'))::float8 AS oldest
            FROM jobs WHERE state = ANY(\(states.map(\.rawValue))::job_state[]) GROUP BY queue, state
            """)
        var depths: [String: QueueDepth] = [:]
        for row in rows {
            let queue = try row.decode(String.self, "queue")
            depths[queue, default: QueueDepth()].states[try row.decode(JobState.self, "state")] = try row.decode(Int.self, "n")
            if let oldest = try row.decode(Double?.self, "oldest") { depths[queue]?.oldestAvailableSeconds = max(0, oldest) }
        }
        return depths
    }
}

/// A job a daemon took to run.
public struct FetchedJob: Sendable {
    /// Its id.
    public var id: Int64
    /// Its kind.
    public var kind: String
    /// Its queue.
    public var queue: String
    /// Its arguments, JSON.
    public var argumentsJSON: String
    /// Its metadata, JSON.
    public var metaJSON: String
    /// This attempt's number.
    public var attempt: Int
    /// Its attempt limit.
    public var maxAttempts: Int
    /// When it was due: with the fetch time, the queue's latency.
    public var scheduledAt: Date = .distantPast
}
