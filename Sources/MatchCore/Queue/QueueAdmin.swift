import Foundation

/// What operators do to the queue (`matchctl status`, `queues`, `jobs`), over SQL.
public struct QueueAdmin: Sendable {
    /// One job, as listed or shown.
    public struct JobSummary: Sendable, Codable {
        /// Its id.
        public var id: Int64
        /// Its kind.
        public var kind: String
        /// Its queue.
        public var queue: String
        /// Its state.
        public var state: JobState
        /// Attempts made.
        public var attempt: Int
        /// Its attempt limit.
        public var maxAttempts: Int
        /// When it may run.
        public var scheduledAt: Date
        /// The daemon of its last attempt.
        public var attemptedBy: String?
        /// Its arguments (ids only, never personal data), as JSON.
        public var args: String?
        /// Every error of every failed attempt, as JSON.
        public var errors: String?
        /// When it was enqueued.
        public var createdAt: Date
        /// When it finished.
        public var finalizedAt: Date?
    }

    /// A daemon, as `status` shows it.
    public struct DaemonSummary: Sendable, Codable {
        /// Its id.
        public var id: String
        /// Its host.
        public var host: String
        /// Its process id.
        public var pid: Int
        /// Its version.
        public var version: String
        /// When it started.
        public var startedAt: Date
        /// Its last heartbeat.
        public var heartbeatAt: Date
        /// Whether it holds the maintenance lead.
        public var isLeader: Bool
    }

    /// One queue's depth.
    public struct QueueSummary: Sendable, Codable {
        /// The queue.
        public var queue: String
        /// Jobs by state.
        public var states: [String: Int]
        /// Age of the oldest available job, in seconds.
        public var oldestAvailableSeconds: Double?
        /// Whether it is paused.
        public var paused: Bool
    }

    /// The whole picture.
    public struct Status: Sendable, Codable {
        /// Daemons that heartbeat within the last minute.
        public var daemons: [DaemonSummary]
        /// Every queue that has jobs or a pause.
        public var queues: [QueueSummary]
    }

    let pool: PostgresPool
    let clock: any JobClock

    /// Operations over `pool`.
    public init(pool: PostgresPool, clock: any JobClock = SystemJobClock()) {
        self.pool = pool
        self.clock = clock
    }

    /// Enqueues `count` copies of a job and wakes the daemons after the commit; returns the ids inserted.
    public func enqueue(_ job: JobInsert, count: Int = 1) async throws -> [EnqueueResult] {
        let queue = JobQueue(clock: clock)
        return try await pool.withTransaction { transaction in
            let results = try await queue.enqueue(batch: Array(repeating: job, count: count), in: transaction)
            let pool = self.pool
            transaction.afterCommit {
                _ = try? await pool.query("SELECT pg_notify(\(JobQueue.wakeupChannel), \(job.queue))")
            }
            return results
        }
    }

    /// Jobs, newest first, filtered by state, kind and queue.
    public func list(state: JobState? = nil, kind: String? = nil, queue: String? = nil,
                     limit: Int = 50) async throws -> [JobSummary] {
        var filters: [PostgresQuery] = ["true"]
        if let state { filters.append("state = \(state)::job_state") }
        if let kind { filters.append("kind = \(kind)") }
        if let queue { filters.append("queue = \(queue)") }
        let rows = try await pool.query("""
            SELECT id, kind, queue, state::text AS state, attempt, max_attempts, scheduled_at, attempted_by,
                   NULL::text AS args, NULL::text AS errors, created_at, finalized_at
            FROM jobs WHERE \(PostgresQuery.joined(filters, separator: " AND "))
            ORDER BY id DESC LIMIT \(limit)
            """)
        return try rows.map(Self.summary)
    }

    /// One job with its arguments and errors; nil when there is none.
    public func show(_ id: Int64) async throws -> JobSummary? {
        let rows = try await pool.query("""
            SELECT id, kind, queue, state::text AS state, attempt, max_attempts, scheduled_at, attempted_by,
                   args::text AS args, errors::text AS errors, created_at, finalized_at
            FROM jobs WHERE id = \(id)
            """)
        return try rows.first.map(Self.summary)
    }

    /// Cancels a job in any state: a waiting one at once, a running one through its daemon,
    /// which cancels the worker's task. Returns the state it was in, nil when there is no such job.
    public func cancel(_ id: Int64) async throws -> JobState? {
        let now = clock.now()
        return try await pool.withTransaction { transaction in
            let rows = try await transaction.query("SELECT state::text AS state FROM jobs WHERE id = \(id) FOR UPDATE")
            guard let state = try rows.first?.decode(JobState.self, "state") else { return nil }
            if state == .running {
                try await transaction.execute("UPDATE jobs SET cancel_requested_at = \(now) WHERE id = \(id)")
                try await transaction.execute("SELECT pg_notify(\(JobQueue.cancelChannel), \(String(id)))")
            } else if !JobState.finished.contains(state) {
                try await transaction.execute("""
                    UPDATE jobs SET state = 'cancelled', finalized_at = \(now), cancel_requested_at = \(now) WHERE id = \(id)
                    """)
            }
            return state
        }
    }

    /// Makes a finished or waiting job available now (a running one is left alone); true when it did.
    public func retry(_ id: Int64) async throws -> Bool {
        let updated = try await pool.execute("""
            UPDATE jobs SET state = 'available', scheduled_at = \(clock.now()), finalized_at = NULL,
                cancel_requested_at = NULL, max_attempts = greatest(max_attempts, attempt + 1)
            WHERE id = \(id) AND state <> 'running'
            """)
        return updated == 1
    }

    /// Discards a waiting job; true when it did.
    public func discard(_ id: Int64) async throws -> Bool {
        try await pool.execute("""
            UPDATE jobs SET state = 'discarded', finalized_at = \(clock.now())
            WHERE id = \(id) AND state IN ('available', 'scheduled', 'retryable')
            """) == 1
    }

    /// Pauses a queue on every daemon: no new job of it starts until resumed.
    public func pause(_ queue: String, by operatorName: String) async throws {
        try await pool.execute("""
            INSERT INTO queue_pauses (queue, paused_at, paused_by) VALUES (\(queue), \(clock.now()), \(operatorName))
            ON CONFLICT (queue) DO NOTHING
            """)
    }

    /// Resumes a paused queue and wakes its fetchers.
    public func resume(_ queue: String) async throws {
        try await pool.withTransaction { transaction in
            try await transaction.execute("DELETE FROM queue_pauses WHERE queue = \(queue)")
            try await transaction.execute("SELECT pg_notify(\(JobQueue.wakeupChannel), \(queue))")
        }
    }

    /// Daemons alive, the leader, and each queue's depth.
    public func status() async throws -> Status {
        let now = clock.now()
        let daemons = try await pool.query("""
            SELECT d.id, d.host, d.pid, d.version, d.started_at, d.heartbeat_at,
                   (l.daemon_id IS NOT NULL) AS leader
            FROM queue_daemons d
            LEFT JOIN queue_leader l ON l.daemon_id = d.id AND l.expires_at > \(now)
            WHERE d.stopped_at IS NULL AND d.heartbeat_at > \(now.addingTimeInterval(-60))
            ORDER BY d.started_at
            """).map { row in
            DaemonSummary(id: try row.decode(String.self, "id"), host: try row.decode(String.self, "host"),
                          pid: try row.decode(Int.self, "pid"), version: try row.decode(String.self, "version"),
                          startedAt: try row.decode(Date.self, "started_at"),
                          heartbeatAt: try row.decode(Date.self, "heartbeat_at"), isLeader: try row.decode(Bool.self, "leader"))
        }
        let depths = try await JobQueue(clock: clock).depth(on: pool)
        let paused = Set(try await pool.query("SELECT queue FROM queue_pauses").map { try $0.decode(String.self, "queue") })
        let queues = Set(depths.keys).union(paused).map { name in
            QueueSummary(queue: name,
                         states: Dictionary(uniqueKeysWithValues: (depths[name]?.states ?? [:]).map { ($0.key.rawValue, $0.value) }),
                         oldestAvailableSeconds: depths[name]?.oldestAvailableSeconds, paused: paused.contains(name))
        }
        return Status(daemons: daemons, queues: queues.sorted { $0.queue < $1.queue })
    }

    private static func summary(_ row: PostgresRow) throws -> JobSummary {
        JobSummary(id: try row.decode(Int64.self, "id"), kind: try row.decode(String.self, "kind"),
                   queue: try row.decode(String.self, "queue"), state: try row.decode(JobState.self, "state"),
                   attempt: try row.decode(Int.self, "attempt"), maxAttempts: try row.decode(Int.self, "max_attempts"),
                   scheduledAt: try row.decode(Date.self, "scheduled_at"),
                   attemptedBy: try row.decode(String?.self, "attempted_by"), args: try row.decode(String?.self, "args"),
                   errors: try row.decode(String?.self, "errors"), createdAt: try row.decode(Date.self, "created_at"),
                   finalizedAt: try row.decode(Date?.self, "finalized_at"))
    }
}
