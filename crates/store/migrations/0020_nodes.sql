-- The nodes of a cluster as each last reported itself: one row per running instance (its lease
-- holder name), with the address other nodes reach it at, its version, when it started and was
-- last seen (milliseconds), and whether it takes traffic.
CREATE TABLE nodes (
    holder TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    version TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    state TEXT NOT NULL
);
