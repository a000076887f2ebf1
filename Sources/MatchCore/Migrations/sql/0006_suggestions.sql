-- Suggestions: one row per (förbund, participant, offer), with the score's components, the
-- eligible supports and the versions used. Reviewed rows are never overwritten by matching.
CREATE TABLE suggestions (
    forbund_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    participant_id uuid NOT NULL,
    offer_id uuid NOT NULL,
    score double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    components jsonb NOT NULL,
    supports jsonb NOT NULL,
    weights jsonb NOT NULL,
    recommended boolean NOT NULL DEFAULT false,
    state text NOT NULL DEFAULT 'proposed'
        CHECK (state IN ('proposed', 'approved', 'rejected', 'withdrawn', 'contacted', 'placed')),
    state_reason text,
    rejection_snapshot jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id),
    UNIQUE (forbund_id, participant_id, offer_id),
    FOREIGN KEY (forbund_id, participant_id) REFERENCES participants (forbund_id, id) ON DELETE CASCADE,
    FOREIGN KEY (forbund_id, offer_id) REFERENCES placement_offers (forbund_id, id) ON DELETE CASCADE
);
CREATE INDEX suggestions_by_offer ON suggestions (forbund_id, offer_id, state);
CREATE INDEX suggestions_by_state ON suggestions (forbund_id, state, score DESC);

CREATE TABLE suggestion_history (
    forbund_id uuid NOT NULL,
    suggestion_id uuid NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    from_state text,
    to_state text NOT NULL,
    reason text,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    PRIMARY KEY (forbund_id, suggestion_id, id),
    FOREIGN KEY (forbund_id, suggestion_id) REFERENCES suggestions (forbund_id, id) ON DELETE CASCADE
);

GRANT SELECT, INSERT, UPDATE, DELETE ON suggestions, suggestion_history TO lotsen_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO lotsen_app;
