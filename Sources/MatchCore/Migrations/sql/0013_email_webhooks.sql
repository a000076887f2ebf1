-- Email digests and webhooks (Sources/MatchCore/Notify/Email, Notify/Webhooks), fed by the same
-- dispatch as the inbox: in the transaction that writes an event's inbox entries, the event also
-- joins the open digest of every recipient who wants its category by email, and a delivery is
-- queued for every enabled webhook endpoint of the förbund that wants its type.

-- An endpoint disabled for failing tells the förbund's coordinators.
ALTER TABLE events DROP CONSTRAINT events_type_check;
ALTER TABLE events ADD CONSTRAINT events_type_check CHECK (type IN (
    'suggestions.new', 'offer.opened', 'offer.changed', 'candidate.presented', 'employer.answered', 'placement.started',
    'placement.ended', 'check_in.due', 'check_in.overdue', 'check_in.at_risk', 'webhook.disabled'));
ALTER TABLE events ADD COLUMN webhook_id uuid;
ALTER TABLE inbox_entries ADD COLUMN webhook_id uuid;
ALTER TABLE notification_preferences DROP CONSTRAINT notification_preferences_category_check;
ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_category_check CHECK (category IN (
    '*', 'suggestions', 'offers', 'candidates', 'placements', 'follow_along', 'integrations'));

-- One email per recipient and window: the window opens at the recipient's first pending event and
-- closes at closes_at (at once for an urgent event). state: open (taking events until its job takes
-- it, at closes_at or the next sending hour after it) -> sending (its job sends it, again after a
-- crash, with the same Message-ID) -> sent.
CREATE TABLE digests (
    forbund_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    window_start timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'sending', 'sent')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    sent_at timestamptz,
    -- The number of events it lists, set when it is taken for sending.
    size integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id),
    UNIQUE (user_id, window_start),
    FOREIGN KEY (forbund_id, user_id) REFERENCES users (forbund_id, id) ON DELETE CASCADE
);
-- At most one open window per recipient: the dispatcher joins it or opens one.
CREATE UNIQUE INDEX digests_one_open ON digests (forbund_id, user_id) WHERE state = 'open';
CREATE INDEX digests_unsent ON digests (state, closes_at) WHERE state <> 'sent';

-- The opaque tokens of List-Unsubscribe links, kept as SHA-256: a one-click POST with one turns
-- email off for the categories of the digest it was sent with.
CREATE TABLE unsubscribe_tokens (
    token_hash bytea PRIMARY KEY,
    forbund_id uuid NOT NULL,
    user_id uuid NOT NULL,
    categories text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (forbund_id, user_id) REFERENCES users (forbund_id, id) ON DELETE CASCADE
);

-- The events of a digest, ids only (copied, so a digest outlives the pruning of its events).
CREATE TABLE digest_items (
    forbund_id uuid NOT NULL,
    digest_id uuid NOT NULL,
    event_id bigint NOT NULL,
    type text NOT NULL,
    suggestion_id uuid,
    suggestion_ids uuid[] NOT NULL DEFAULT '{}',
    participant_id uuid,
    offer_id uuid,
    employer_id uuid,
    placement_id uuid,
    check_in_id uuid,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (forbund_id, digest_id, event_id),
    FOREIGN KEY (forbund_id, digest_id) REFERENCES digests (forbund_id, id) ON DELETE CASCADE
);
CREATE INDEX digest_items_by_participant ON digest_items (forbund_id, participant_id) WHERE participant_id IS NOT NULL;

-- A förbund's webhook endpoints. During a rotation the previous secret signs too, until
-- previous_until. failing_since is the first failure since the last success.
CREATE TABLE webhooks (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    url text NOT NULL,
    description text NOT NULL DEFAULT '',
    event_types text[] NOT NULL,
    secret text NOT NULL,
    previous_secret text,
    previous_until timestamptz,
    enabled boolean NOT NULL DEFAULT true,
    disabled_reason text,
    disabled_at timestamptz,
    failing_since timestamptz,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id)
);

-- One delivery per (event, endpoint); its id is the webhook-id of every attempt. The payload is
-- ids and links only. state: pending -> delivered | failed (retries exhausted, endpoint gone).
CREATE TABLE webhook_deliveries (
    forbund_id uuid NOT NULL,
    id text NOT NULL,
    webhook_id uuid NOT NULL,
    event_id bigint NOT NULL,
    type text NOT NULL,
    participant_id uuid,
    payload jsonb NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_status integer,
    last_error text,
    delivered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id),
    UNIQUE (forbund_id, webhook_id, event_id),
    FOREIGN KEY (forbund_id, webhook_id) REFERENCES webhooks (forbund_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (forbund_id, webhook_id, created_at DESC);
CREATE INDEX webhook_deliveries_by_participant ON webhook_deliveries (forbund_id, participant_id) WHERE participant_id IS NOT NULL;

-- Every attempt of a delivery: when, the answer's status or the transport's error, how long.
CREATE TABLE webhook_attempts (
    forbund_id uuid NOT NULL,
    delivery_id text NOT NULL,
    attempt integer NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    status integer,
    error text,
    duration_ms integer NOT NULL,
    PRIMARY KEY (forbund_id, delivery_id, attempt),
    FOREIGN KEY (forbund_id, delivery_id) REFERENCES webhook_deliveries (forbund_id, id) ON DELETE CASCADE
);

GRANT SELECT, INSERT, UPDATE, DELETE ON digests, digest_items, unsubscribe_tokens, webhooks, webhook_deliveries, webhook_attempts TO lotsen_app;
