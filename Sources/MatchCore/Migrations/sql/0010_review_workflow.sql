-- The review workflow (see Sources/MatchCore/Domain/SuggestionState.swift for the state diagram):
-- coordinators approve, reject and present suggestions, employers answer, contacts are recorded;
-- every step is kept in suggestion_history and written as an event to the outbox.
ALTER TABLE suggestions DROP CONSTRAINT suggestions_state_check;
ALTER TABLE suggestions ADD CONSTRAINT suggestions_state_check
    CHECK (state IN ('proposed', 'approved', 'presented', 'employer_interested', 'contacted', 'placed', 'rejected', 'withdrawn'));

-- Counts state changes: the API's ETag. Matching rescoring a proposed row leaves it as it is, so
-- an approval sent with the ETag it read does not fail because a job rescored the pair meanwhile.
ALTER TABLE suggestions ADD COLUMN version integer NOT NULL DEFAULT 1;
-- What the coordinator chose to tell the employer when presenting: support codes, and who presented.
ALTER TABLE suggestions ADD COLUMN disclosed_supports text[] NOT NULL DEFAULT '{}';
ALTER TABLE suggestions ADD COLUMN presented_at timestamptz;
ALTER TABLE suggestions ADD COLUMN presented_by uuid;
ALTER TABLE suggestions ADD CONSTRAINT suggestions_presented_by
    FOREIGN KEY (forbund_id, presented_by) REFERENCES users (forbund_id, id);
-- The employer's view: its offers' presented and later suggestions.
CREATE INDEX suggestions_candidates ON suggestions (forbund_id, offer_id, presented_at, id)
    WHERE state IN ('presented', 'employer_interested', 'contacted', 'placed');

ALTER TABLE suggestion_history ADD COLUMN note text;

-- An employer's read of a candidate discloses the participant: audited as such.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('read', 'create', 'update', 'delete', 'export', 'erase', 'bulk_read', 'disclose'));

-- The outbox: one row per event, written in the transaction of its change (EventLog.append), its
-- recipients (user ids) resolved then. Ids only, never personal values. A consumer takes
-- `dispatched_at IS NULL` rows FOR UPDATE SKIP LOCKED and marks them dispatched in the same
-- transaction; dispatched rows are pruned after 30 days.
CREATE TABLE events (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    type text NOT NULL
        CHECK (type IN ('suggestions.new', 'offer.opened', 'offer.changed', 'candidate.presented', 'employer.answered')),
    suggestion_id uuid,
    suggestion_ids uuid[] NOT NULL DEFAULT '{}',
    participant_id uuid,
    offer_id uuid,
    employer_id uuid,
    recipients uuid[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    dispatched_at timestamptz,
    PRIMARY KEY (forbund_id, id)
);
CREATE INDEX events_undispatched ON events (forbund_id, id) WHERE dispatched_at IS NULL;
CREATE INDEX events_dispatched ON events (dispatched_at) WHERE dispatched_at IS NOT NULL;
CREATE INDEX events_by_participant ON events (forbund_id, participant_id) WHERE participant_id IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON events TO lotsen_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO lotsen_app;
