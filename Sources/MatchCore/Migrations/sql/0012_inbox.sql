-- The inbox (Sources/MatchCore/Notify): every event is delivered by the notify.dispatch job into
-- one entry per recipient, in the transaction that marks the event dispatched. Each user's entries
-- are numbered by a sequence kept on the user's row and assigned under that row's lock, so a
-- user's numbers commit in order: the live stream's ids, and what a reconnect replays after.
ALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'sv' CHECK (locale IN ('sv', 'en'));
ALTER TABLE users ADD COLUMN inbox_sequence bigint NOT NULL DEFAULT 0;
-- Counts changes of the user's language and notification settings: their ETag.
ALTER TABLE users ADD COLUMN notification_version integer NOT NULL DEFAULT 1;

CREATE TABLE inbox_entries (
    forbund_id uuid NOT NULL,
    user_id uuid NOT NULL,
    sequence bigint NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    event_id bigint NOT NULL,
    type text NOT NULL,
    -- What the entry concerns, ids only; the text is written when it is read, in the reader's language.
    suggestion_id uuid,
    suggestion_ids uuid[] NOT NULL DEFAULT '{}',
    participant_id uuid,
    offer_id uuid,
    employer_id uuid,
    placement_id uuid,
    check_in_id uuid,
    created_at timestamptz NOT NULL,
    read_at timestamptz,
    PRIMARY KEY (forbund_id, user_id, sequence),
    UNIQUE (forbund_id, id),
    UNIQUE (forbund_id, event_id, user_id),
    FOREIGN KEY (forbund_id, user_id) REFERENCES users (forbund_id, id) ON DELETE CASCADE
);
CREATE INDEX inbox_entries_unread ON inbox_entries (forbund_id, user_id, sequence) WHERE read_at IS NULL;
CREATE INDEX inbox_entries_by_participant ON inbox_entries (forbund_id, participant_id) WHERE participant_id IS NOT NULL;

-- Preferences per user, event category and channel: the most specific row wins (a category's over
-- the user's '*'), else the channel's default (inbox always on, email on).
CREATE TABLE notification_preferences (
    forbund_id uuid NOT NULL,
    user_id uuid NOT NULL,
    category text NOT NULL CHECK (category IN ('*', 'suggestions', 'offers', 'candidates', 'placements', 'follow_along')),
    channel text NOT NULL CHECK (channel IN ('email')),
    enabled boolean NOT NULL,
    PRIMARY KEY (forbund_id, user_id, category, channel),
    FOREIGN KEY (forbund_id, user_id) REFERENCES users (forbund_id, id) ON DELETE CASCADE
);

GRANT SELECT, INSERT, UPDATE, DELETE ON inbox_entries, notification_preferences TO lotsen_app;
