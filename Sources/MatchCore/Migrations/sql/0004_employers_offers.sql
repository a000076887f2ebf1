-- Employers, their agreements with the förbund (VTA), and their placement offers with status history.
-- Every table leads its keys with forbund_id (see 0003). `version` counts changes: the API's ETag.
CREATE TABLE employers (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    organisationsnummer text NOT NULL CHECK (organisationsnummer ~ '^[0-9]{10}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    sector text NOT NULL CHECK (sector IN ('private', 'public', 'social_enterprise', 'non_profit')),
    responsible_coordinator_id uuid,
    notes text NOT NULL DEFAULT '',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id),
    UNIQUE (forbund_id, organisationsnummer),
    FOREIGN KEY (forbund_id, responsible_coordinator_id) REFERENCES users (forbund_id, id)
);
CREATE INDEX employers_by_name ON employers (forbund_id, lower(name), id);

-- Addresses, contacts and the employer-side support given belong to the employer document and
-- are replaced with it; position keeps the order the client sent.
CREATE TABLE employer_addresses (
    forbund_id uuid NOT NULL,
    employer_id uuid NOT NULL,
    position integer NOT NULL,
    label text NOT NULL DEFAULT '',
    street text NOT NULL DEFAULT '',
    postal_code text NOT NULL DEFAULT '',
    city text NOT NULL DEFAULT '',
    kommunkod text NOT NULL CHECK (kommunkod ~ '^[0-9]{4}$'),
    latitude double precision NOT NULL CHECK (latitude BETWEEN 55 AND 70),
    longitude double precision NOT NULL CHECK (longitude BETWEEN 10 AND 25),
    coordinate_source text NOT NULL CHECK (coordinate_source IN ('address', 'municipality')),
    PRIMARY KEY (forbund_id, employer_id, position),
    FOREIGN KEY (forbund_id, employer_id) REFERENCES employers (forbund_id, id) ON DELETE CASCADE
);

CREATE TABLE employer_contacts (
    forbund_id uuid NOT NULL,
    employer_id uuid NOT NULL,
    position integer NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role text NOT NULL DEFAULT '',
    email text,
    phone text,
    is_handledare boolean NOT NULL DEFAULT false,
    PRIMARY KEY (forbund_id, employer_id, position),
    FOREIGN KEY (forbund_id, employer_id) REFERENCES employers (forbund_id, id) ON DELETE CASCADE
);

CREATE TABLE employer_support_given (
    forbund_id uuid NOT NULL,
    employer_id uuid NOT NULL,
    position integer NOT NULL,
    kind text NOT NULL CHECK (kind IN ('information', 'training', 'handledare_training')),
    given_on date NOT NULL,
    notes text NOT NULL DEFAULT '',
    PRIMARY KEY (forbund_id, employer_id, position),
    FOREIGN KEY (forbund_id, employer_id) REFERENCES employers (forbund_id, id) ON DELETE CASCADE
);

CREATE TABLE employer_agreements (
    forbund_id uuid NOT NULL,
    employer_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('cooperation', 'placement', 'recruitment', 'training', 'other')),
    signed_on date NOT NULL,
    valid_to date CHECK (valid_to IS NULL OR valid_to >= signed_on),
    notes text NOT NULL DEFAULT '',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id),
    FOREIGN KEY (forbund_id, employer_id) REFERENCES employers (forbund_id, id) ON DELETE CASCADE
);
CREATE INDEX employer_agreements_by_employer ON employer_agreements (forbund_id, employer_id, signed_on);

-- Employer users and employer tokens are bound to one employer. Rows written before this
-- migration had no employer to name, so the rule holds for new rows (NOT VALID).
ALTER TABLE users ADD COLUMN employer_id uuid;
ALTER TABLE users ADD CONSTRAINT users_employer FOREIGN KEY (forbund_id, employer_id) REFERENCES employers (forbund_id, id);
ALTER TABLE users ADD CONSTRAINT users_employer_kind CHECK ((kind = 'employer') = (employer_id IS NOT NULL)) NOT VALID;
ALTER TABLE api_tokens ADD COLUMN employer_id uuid;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_employer FOREIGN KEY (forbund_id, employer_id) REFERENCES employers (forbund_id, id);
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_employer_role CHECK ((role = 'employer') = (employer_id IS NOT NULL)) NOT VALID;

CREATE TABLE placement_offers (
    forbund_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    employer_id uuid NOT NULL,
    type text NOT NULL CHECK (type IN ('arbetstraning', 'praktik', 'lonestod', 'nystartsjobb', 'introduktionsjobb',
                                       'osa', 'osubventionerad')),
    occupation text NOT NULL CHECK (occupation ~ '^[0-9]{4}$'),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    required_skills text[] NOT NULL DEFAULT '{}',
    wanted_skills text[] NOT NULL DEFAULT '{}',
    required_languages jsonb NOT NULL DEFAULT '[]',
    hours_min integer NOT NULL CHECK (hours_min BETWEEN 1 AND 40),
    hours_max integer NOT NULL CHECK (hours_max BETWEEN hours_min AND 40),
    schedule_flexibility text NOT NULL CHECK (schedule_flexibility IN ('fixed', 'some', 'flexible')),
    start_date date NOT NULL,
    duration_months integer CHECK (duration_months BETWEEN 1 AND 60),
    monthly_wage integer CHECK (monthly_wage BETWEEN 1 AND 200000),
    workplace_kommunkod text NOT NULL CHECK (workplace_kommunkod ~ '^[0-9]{4}$'),
    workplace_address text NOT NULL DEFAULT '',
    workplace_latitude double precision NOT NULL,
    workplace_longitude double precision NOT NULL,
    workplace_coordinate_source text NOT NULL CHECK (workplace_coordinate_source IN ('address', 'municipality')),
    remote_possible boolean NOT NULL DEFAULT false,
    handledare_available boolean NOT NULL,
    handledare_hours integer CHECK (handledare_hours BETWEEN 1 AND 40),
    adaptations text[] NOT NULL DEFAULT '{}',
    positions integer NOT NULL CHECK (positions BETWEEN 1 AND 1000),
    supports_counted_on text[] NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'paused', 'filled', 'closed')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id),
    FOREIGN KEY (forbund_id, employer_id) REFERENCES employers (forbund_id, id),
    CHECK (handledare_available OR handledare_hours IS NULL)
);
CREATE INDEX placement_offers_by_employer ON placement_offers (forbund_id, employer_id, created_at, id);
CREATE INDEX placement_offers_by_created ON placement_offers (forbund_id, created_at, id);
CREATE INDEX placement_offers_open ON placement_offers (forbund_id, occupation) WHERE status = 'open';

-- Every status an offer has had, with who set it and why.
CREATE TABLE placement_offer_status_history (
    forbund_id uuid NOT NULL,
    offer_id uuid NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    from_status text,
    to_status text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    note text NOT NULL DEFAULT '',
    PRIMARY KEY (forbund_id, offer_id, id),
    FOREIGN KEY (forbund_id, offer_id) REFERENCES placement_offers (forbund_id, id) ON DELETE CASCADE
);

-- A retried POST with the same Idempotency-Key gets the first answer again. The key is stored in the
-- transaction that created the record, so the two commit together; a concurrent retry waits on the
-- primary key and then reads the stored answer.
CREATE TABLE idempotency_keys (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    actor text NOT NULL,
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash bytea NOT NULL,
    response_status integer,
    response_body text,
    response_location text,
    response_etag text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, actor, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON employers, employer_addresses, employer_contacts, employer_support_given,
    employer_agreements, placement_offers, placement_offer_status_history, idempotency_keys TO lotsen_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO lotsen_app;
