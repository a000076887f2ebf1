-- Participants (special-category data: functional needs, never diagnoses), their consents, the
-- anonymous statistics that outlive erasure, and the versioned catalog of financial supports.
CREATE TABLE participants (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    case_reference text NOT NULL CHECK (length(case_reference) BETWEEN 1 AND 50),
    responsible_coordinator_id uuid,
    seeking boolean NOT NULL,
    -- Everything else the coordinator records (ParticipantFields), as one document.
    profile jsonb NOT NULL,
    -- Links to the anonymous statistics row while the person exists; erasure removes the link.
    statistics_id uuid NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id),
    UNIQUE (forbund_id, case_reference),
    FOREIGN KEY (forbund_id, responsible_coordinator_id) REFERENCES users (forbund_id, id)
);

CREATE TABLE participant_consents (
    forbund_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    purpose text NOT NULL CHECK (purpose IN ('matching', 'disclosure_to_employers')),
    given_on date NOT NULL,
    withdrawn_on date CHECK (withdrawn_on IS NULL OR withdrawn_on >= given_on),
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id),
    FOREIGN KEY (forbund_id, participant_id) REFERENCES participants (forbund_id, id) ON DELETE CASCADE
);
CREATE INDEX participant_consents_by_participant ON participant_consents (forbund_id, participant_id);

-- Anonymous: no reference, no name, no link back once the participant is erased.
CREATE TABLE participant_statistics (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    gender text NOT NULL CHECK (gender IN ('kvinna', 'man', 'annan', 'vill_ej_ange')),
    start_year integer NOT NULL,
    suggested boolean NOT NULL DEFAULT false,
    approved boolean NOT NULL DEFAULT false,
    placed boolean NOT NULL DEFAULT false,
    days_to_first_suggestion integer,
    outcome text,
    erased boolean NOT NULL DEFAULT false,
    PRIMARY KEY (forbund_id, id)
);

-- The support catalog is national, not a tenant's: a reference table (under Citus, replicated).
-- A rule change is a new version with a new valid_from; computed results name the version used.
CREATE TABLE support_versions (
    code text NOT NULL CHECK (code ~ '^[a-z0-9_]+$'),
    version integer NOT NULL,
    valid_from date NOT NULL,
    valid_to date,
    definition jsonb NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    loaded_by text NOT NULL,
    PRIMARY KEY (code, version),
    UNIQUE (code, valid_from)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON participants, participant_consents TO lotsen_app;
GRANT SELECT, INSERT, UPDATE ON participant_statistics TO lotsen_app;
GRANT SELECT ON support_versions TO lotsen_app;
