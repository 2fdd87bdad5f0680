-- The security event log (lock-outs, password changes, tokens made and revoked), and API
-- tokens that stop working at a set time.
CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    actor_id BIGINT,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
