-- Placements and follow-along (Sources/MatchCore/Store/PlacementStore.swift). A placement starts
-- from a suggestion the employer is interested in; its active rows (not ended) are the one count
-- of an offer's positions taken and, all of them, of an employer's successful placements: matching
-- reads them here instead of counting placed suggestions.
CREATE TABLE placements (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    suggestion_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    offer_id uuid NOT NULL,
    employer_id uuid NOT NULL,
    type text NOT NULL
        CHECK (type IN ('arbetstraning', 'praktik', 'lonestod', 'nystartsjobb', 'introduktionsjobb', 'osa', 'osubventionerad')),
    start_date date NOT NULL,
    end_date date CHECK (end_date >= start_date),
    hours_per_week integer NOT NULL CHECK (hours_per_week BETWEEN 1 AND 40),
    -- The supports applied for, each as the catalog estimated it for this placement (its type,
    -- hours and start) the day it was recorded: later catalog changes leave it.
    supports jsonb NOT NULL DEFAULT '[]',
    handledare_name text NOT NULL CHECK (length(handledare_name) BETWEEN 1 AND 200),
    handledare_contact text NOT NULL CHECK (length(handledare_contact) BETWEEN 1 AND 200),
    keeps_seeking boolean NOT NULL,
    note text,
    -- Not before the start, unless it fell through before it started (PlacementStore.end).
    ended_on date,
    outcome text CHECK (outcome IN ('employment_unsubsidised', 'employment_subsidised', 'studies', 'other_activity',
                                    'dropped_out', 'moved', 'other')),
    end_note text,
    follow_along_ended_on date,
    -- The anonymous statistics row (placement_statistics): the link lives here only, so erasing
    -- the placement leaves the row with no way back to the person.
    statistics_id uuid NOT NULL,
    created_by text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forbund_id, id),
    UNIQUE (forbund_id, suggestion_id),
    CHECK ((ended_on IS NULL) = (outcome IS NULL)),
    FOREIGN KEY (forbund_id, suggestion_id) REFERENCES suggestions (forbund_id, id) ON DELETE CASCADE,
    FOREIGN KEY (forbund_id, participant_id) REFERENCES participants (forbund_id, id) ON DELETE CASCADE,
    FOREIGN KEY (forbund_id, offer_id) REFERENCES placement_offers (forbund_id, id),
    FOREIGN KEY (forbund_id, employer_id) REFERENCES employers (forbund_id, id)
);
CREATE INDEX placements_active_by_offer ON placements (forbund_id, offer_id) WHERE ended_on IS NULL;
CREATE INDEX placements_by_employer ON placements (forbund_id, employer_id);
CREATE INDEX placements_by_participant ON placements (forbund_id, participant_id);
CREATE INDEX placements_listed ON placements (forbund_id, created_at, id);

-- The follow-along: check-ins created ahead by the plan in [follow_along] (at most two pending
-- ahead of today), one after an early end, each recorded once with whom and how it goes.
CREATE TABLE check_ins (
    forbund_id uuid NOT NULL,
    placement_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    -- The plan's step (0 the contact before the start, …); null for the contact after an early end.
    plan_step integer,
    kind text NOT NULL CHECK (kind IN ('before_start', 'after_start', 'weekly', 'monthly', 'early_end')),
    due_on date NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled')),
    done_on date,
    with_whom text CHECK (with_whom IN ('participant', 'employer', 'both')),
    status text CHECK (status IN ('going_well', 'needs_support', 'at_risk')),
    note text,
    recorded_by text,
    recorded_at timestamptz,
    due_raised_at timestamptz,
    overdue_raised_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (forbund_id, id),
    UNIQUE (forbund_id, placement_id, plan_step),
    CHECK ((state = 'done') = (done_on IS NOT NULL AND with_whom IS NOT NULL AND status IS NOT NULL)),
    FOREIGN KEY (forbund_id, placement_id) REFERENCES placements (forbund_id, id) ON DELETE CASCADE
);
CREATE INDEX check_ins_by_placement ON check_ins (forbund_id, placement_id, due_on);
CREATE INDEX check_ins_pending ON check_ins (due_on) WHERE state = 'pending';

-- Anonymous: förbund, type, start month, gender and durations, never a person or an id of one.
-- It outlives the participant's erasure.
CREATE TABLE placement_statistics (
    forbund_id uuid NOT NULL REFERENCES forbund (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    placement_type text NOT NULL,
    start_month date NOT NULL CHECK (extract(day FROM start_month) = 1),
    gender text NOT NULL CHECK (gender IN ('kvinna', 'man', 'annan', 'vill_ej_ange')),
    days_seeking_to_start integer NOT NULL,
    days_lasted integer,
    outcome text,
    PRIMARY KEY (forbund_id, id)
);

-- Positions and successes now come from placements: a placement written, ended or erased changes
-- what matching reads of its employer's offers. The placed-suggestion trigger of 0007 goes.
DROP TRIGGER suggestions_placement_index ON suggestions;
DROP FUNCTION lotsen_placement_changed();
CREATE FUNCTION lotsen_placement_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM lotsen_offer_index_changed(OLD.forbund_id, 'e', OLD.employer_id);
    ELSIF TG_OP = 'INSERT' OR OLD.ended_on IS DISTINCT FROM NEW.ended_on THEN
        PERFORM lotsen_offer_index_changed(NEW.forbund_id, 'e', NEW.employer_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER placements_index AFTER INSERT OR UPDATE OF ended_on OR DELETE ON placements
    FOR EACH ROW EXECUTE FUNCTION lotsen_placement_changed();

-- The new events, and the placement and check-in they name.
ALTER TABLE events DROP CONSTRAINT events_type_check;
ALTER TABLE events ADD CONSTRAINT events_type_check
    CHECK (type IN ('suggestions.new', 'offer.opened', 'offer.changed', 'candidate.presented', 'employer.answered',
                    'placement.started', 'placement.ended', 'check_in.due', 'check_in.overdue', 'check_in.at_risk'));
ALTER TABLE events ADD COLUMN placement_id uuid;
ALTER TABLE events ADD COLUMN check_in_id uuid;

GRANT SELECT, INSERT, UPDATE, DELETE ON placements, check_ins TO lotsen_app;
GRANT SELECT, INSERT, UPDATE ON placement_statistics TO lotsen_app;
