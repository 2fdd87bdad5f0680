-- The inbox views an agent keeps under a name, as one JSON list per user the domain validated.
CREATE TABLE inbox_views (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    views TEXT NOT NULL
);
