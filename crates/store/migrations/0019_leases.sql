-- Leases of a cluster's singleton services: the holder, when it lapses (milliseconds) and the
-- fencing token that grows each time the lease changes hands.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    fencing BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
