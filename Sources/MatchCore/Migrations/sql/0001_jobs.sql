-- The job queue: one table; the state machine is documented in Sources/MatchCore/Queue/JobState.swift.
CREATE TYPE job_state AS ENUM (
    'available', 'scheduled', 'running', 'retryable', 'completed', 'cancelled', 'discarded'
);

CREATE TABLE jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 128),
    queue text NOT NULL DEFAULT 'default' CHECK (length(queue) BETWEEN 1 AND 64),
    args jsonb NOT NULL DEFAULT '{}',
    meta jsonb NOT NULL DEFAULT '{}',
    state job_state NOT NULL DEFAULT 'available',
    priority smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 4),
    attempt integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 20 CHECK (max_attempts > 0),
    scheduled_at timestamptz NOT NULL DEFAULT now(),
    attempted_at timestamptz,
    attempted_by text,
    lease_expires_at timestamptz,
    errors jsonb NOT NULL DEFAULT '[]',
    unique_key text,
    cancel_requested_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    finalized_at timestamptz
);

-- What a fetch reads: waiting jobs by queue in fetch order. Partial, so finished rows cost nothing.
CREATE INDEX jobs_fetchable ON jobs (queue, priority, scheduled_at, id)
    WHERE state IN ('available', 'scheduled', 'retryable');

-- A unique key holds only while its job waits: a change committed while its job runs gets a new job.
CREATE UNIQUE INDEX jobs_unique_waiting ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('available', 'scheduled', 'retryable');

-- The rescuer's and the pruner's scans.
CREATE INDEX jobs_running_lease ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_finalized ON jobs (state, finalized_at) WHERE finalized_at IS NOT NULL;
CREATE INDEX jobs_kind ON jobs (kind);

-- A high-churn table: vacuum and analyse it early and without throttling.
ALTER TABLE jobs SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_vacuum_insert_scale_factor = 0.02,
    fillfactor = 85
);
