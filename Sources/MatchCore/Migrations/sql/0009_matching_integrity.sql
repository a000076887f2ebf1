-- Matching integrity (see Sources/MatchCore/Workers/MatchingRules.md).
--
-- The waiting days a participant's suggestions were scored with. A participant's own job sets it;
-- an offer job scores the participant with the same number, so every stored score of one
-- participant shares it and rankings compare like with like. `matchctl match verify` recomputes
-- with it and reports the drift that time alone causes separately.
CREATE TABLE participant_matching (
    forbund_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    waiting_days integer NOT NULL CHECK (waiting_days >= 0),
    matched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, participant_id),
    FOREIGN KEY (forbund_id, participant_id) REFERENCES participants (forbund_id, id) ON DELETE CASCADE
);

-- The top lists as jobs read them: an offer's proposed rows best first (ties by the participant's
-- id), and a participant's (ties by the offer's id).
CREATE INDEX suggestions_offer_ranking ON suggestions (forbund_id, offer_id, score DESC, participant_id)
    WHERE state = 'proposed';
CREATE INDEX suggestions_participant_ranking ON suggestions (forbund_id, participant_id, score DESC, offer_id)
    WHERE state = 'proposed';

-- Jobs pick among these indexes by the förbund's row estimate; a förbund whose suggestions grow
-- fast (a first rematch) must not be planned as if it had none for long.
ALTER TABLE suggestions SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 500);

GRANT SELECT, INSERT, UPDATE, DELETE ON participant_matching TO lotsen_app;
