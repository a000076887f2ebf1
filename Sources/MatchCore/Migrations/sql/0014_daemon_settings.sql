-- What each daemon reports with its heartbeat for `matchctl doctor`: how far its clock is from
-- the database's (its time minus clock_timestamp() at the heartbeat), and a fingerprint of its
-- matching settings, which every daemon of an installation must share.
ALTER TABLE queue_daemons
    ADD COLUMN clock_skew_ms double precision,
    ADD COLUMN matching_settings text;
