-- Tenancy: förbund (tenants), their member agencies, users, API tokens and the audit log.
-- Every tenant table carries forbund_id and leads its keys with it, so the schema can later be
-- distributed by förbund (Citus) without a redesign.
CREATE TABLE forbund (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX forbund_name ON forbund (lower(name));

CREATE TABLE member_agencies (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('arbetsformedlingen', 'forsakringskassan', 'region', 'kommun')),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (forbund_id, id)
);

CREATE TABLE users (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('coordinator', 'employer')),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    deactivated_at timestamptz,
    PRIMARY KEY (forbund_id, id)
);
CREATE UNIQUE INDEX users_email ON users (forbund_id, lower(email));

-- Tokens are stored only as SHA-256 hashes; the token itself is shown once.
CREATE TABLE api_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    role text NOT NULL CHECK (role IN ('operator', 'coordinator', 'employer')),
    forbund_id uuid REFERENCES forbund (id),
    user_id uuid,
    label text NOT NULL DEFAULT '',
    token_hash bytea NOT NULL UNIQUE,
    prefix text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    FOREIGN KEY (forbund_id, user_id) REFERENCES users (forbund_id, id),
    CHECK ((role = 'operator') = (forbund_id IS NULL)),
    CHECK (role = 'operator' OR user_id IS NOT NULL OR role = 'coordinator')
);

-- Who read or wrote what, when and why: ids only, never the personal values themselves.
CREATE TABLE audit_log (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL CHECK (action IN ('read', 'create', 'update', 'delete', 'export', 'erase', 'bulk_read')),
    entity text NOT NULL,
    entity_id text,
    reason text,
    request_id text,
    PRIMARY KEY (forbund_id, id)
);
CREATE INDEX audit_log_entity ON audit_log (forbund_id, entity, entity_id, at);

-- The application role matchd connects as: data rights only, and the audit log insert-only.
-- Created once per cluster; the migration owner grants it what it needs in this database.
-- Roles are per cluster and databases migrate concurrently, so a lost race is not an error.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lotsen_app') THEN
        CREATE ROLE lotsen_app NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO lotsen_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs, queue_daemons, queue_leader, queue_pauses, queue_periodic_ticks,
    forbund, member_agencies, users, api_tokens TO lotsen_app;
GRANT SELECT ON schema_migrations TO lotsen_app;
GRANT INSERT ON audit_log TO lotsen_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO lotsen_app;
