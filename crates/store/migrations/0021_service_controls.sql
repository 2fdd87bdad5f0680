-- What administrators asked of a cluster's singleton services: stopped everywhere, or moving to
-- a node (its holder lets go; until move_until only that node may take it). Times in ms.
CREATE TABLE service_controls (
    name TEXT PRIMARY KEY,
    stopped BIGINT NOT NULL,
    move_to TEXT,
    move_until BIGINT,
    changed_at BIGINT NOT NULL,
    changed_by BIGINT
);
