-- Every matchd keeps the tokens it verified in memory (TokenCache). A change that can make a
-- verified token invalid (a revocation, an expiry moved, a token or user deleted, a user
-- deactivated or moved to another employer) notifies `lotsen_auth`, from any writer (matchctl
-- too), and every daemon empties its cache. Writes of last_used_at notify nothing.
CREATE FUNCTION lotsen_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lotsen_auth', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER api_tokens_auth_changed
    AFTER UPDATE OF revoked_at, expires_at, role, forbund_id, user_id, employer_id, token_hash OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION lotsen_auth_changed();

CREATE TRIGGER users_auth_changed
    AFTER UPDATE OF active, employer_id, forbund_id, kind OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION lotsen_auth_changed();
