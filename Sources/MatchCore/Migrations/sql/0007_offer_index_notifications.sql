-- matchd keeps each förbund's open offers indexed in memory. Every change that can alter what
-- matching reads of an offer (the offer itself; its employer's sector and agreements; a placement,
-- which takes a position and counts as the employer's success) bumps the förbund's version and
-- sends NOTIFY lotsen_offers '<forbund> <version> <o|e> <offer or employer id>' in the same
-- transaction. Versions follow commit order (the version row stays locked until commit), so a
-- listener sees a gap when it missed one, and a job knows the version its snapshot reflects.
-- The payload carries ids only, never personal data.
CREATE TABLE offer_index_versions (
    forbund_id uuid PRIMARY KEY REFERENCES forbund (id) ON DELETE CASCADE,
    version bigint NOT NULL
);

CREATE FUNCTION lotsen_offer_index_changed(forbund uuid, kind text, target uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    next bigint;
BEGIN
    INSERT INTO offer_index_versions AS v (forbund_id, version) VALUES (forbund, 1)
    ON CONFLICT (forbund_id) DO UPDATE SET version = v.version + 1
    RETURNING version INTO next;
    PERFORM pg_notify('lotsen_offers', forbund::text || ' ' || next::text || ' ' || kind || ' ' || target::text);
END
$$;

CREATE FUNCTION lotsen_offer_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_ placement_offers%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN row_ := OLD; ELSE row_ := NEW; END IF;
    PERFORM lotsen_offer_index_changed(row_.forbund_id, 'o', row_.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER placement_offers_index AFTER INSERT OR UPDATE OR DELETE ON placement_offers
    FOR EACH ROW EXECUTE FUNCTION lotsen_offer_changed();

CREATE FUNCTION lotsen_employer_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.sector IS NOT DISTINCT FROM NEW.sector THEN RETURN NULL; END IF;
    PERFORM lotsen_offer_index_changed(NEW.forbund_id, 'e', NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER employers_index AFTER UPDATE ON employers
    FOR EACH ROW EXECUTE FUNCTION lotsen_employer_changed();

CREATE FUNCTION lotsen_agreement_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM lotsen_offer_index_changed(OLD.forbund_id, 'e', OLD.employer_id); END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.employer_id <> OLD.employer_id) THEN
        PERFORM lotsen_offer_index_changed(NEW.forbund_id, 'e', NEW.employer_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER employer_agreements_index AFTER INSERT OR UPDATE OR DELETE ON employer_agreements
    FOR EACH ROW EXECUTE FUNCTION lotsen_agreement_changed();

CREATE FUNCTION lotsen_placement_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    employer uuid;
    forbund uuid;
    offer uuid;
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.state = 'placed') = (NEW.state = 'placed') THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' AND NEW.state <> 'placed' THEN RETURN NULL; END IF;
    IF TG_OP = 'DELETE' AND OLD.state <> 'placed' THEN RETURN NULL; END IF;
    IF TG_OP = 'DELETE' THEN forbund := OLD.forbund_id; offer := OLD.offer_id;
    ELSE forbund := NEW.forbund_id; offer := NEW.offer_id; END IF;
    SELECT o.employer_id INTO employer FROM placement_offers o WHERE o.forbund_id = forbund AND o.id = offer;
    -- The offer itself is being deleted: its own trigger has told the index.
    IF employer IS NOT NULL THEN PERFORM lotsen_offer_index_changed(forbund, 'e', employer); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER suggestions_placement_index AFTER INSERT OR UPDATE OF state OR DELETE ON suggestions
    FOR EACH ROW EXECUTE FUNCTION lotsen_placement_changed();

GRANT SELECT, INSERT, UPDATE ON offer_index_versions TO lotsen_app;
