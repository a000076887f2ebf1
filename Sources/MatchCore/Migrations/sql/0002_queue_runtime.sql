-- What the queue's runtime shares between daemons: who is alive, who leads, which queues are
-- paused, which periodic ticks were enqueued.
CREATE TABLE queue_daemons (
    id text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    version text NOT NULL,
    queues jsonb NOT NULL DEFAULT '{}',
    started_at timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    stopped_at timestamptz
);

CREATE TABLE queue_leader (
    name text PRIMARY KEY,
    daemon_id text NOT NULL,
    elected_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE TABLE queue_pauses (
    queue text PRIMARY KEY,
    paused_at timestamptz NOT NULL DEFAULT now(),
    paused_by text NOT NULL
);

CREATE TABLE queue_periodic_ticks (
    name text NOT NULL,
    tick_at timestamptz NOT NULL,
    job_id bigint,
    PRIMARY KEY (name, tick_at)
);
