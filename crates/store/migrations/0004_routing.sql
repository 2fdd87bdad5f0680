-- Routing: how many activities of each channel a user holds at once, each department's
-- routing settings, and agents' presence (so a restarted router knows who is logged in and
-- ready).
ALTER TABLE users ADD COLUMN capacity TEXT NOT NULL DEFAULT '{"inbound_email":5,"outbound_email":5,"chat":3,"callback":1,"delayed_callback":1}';

CREATE TABLE routing_settings (
    department_id BIGINT PRIMARY KEY REFERENCES departments (id) ON DELETE CASCADE,
    settings TEXT NOT NULL
);

CREATE TABLE agent_presence (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    logged_in BIGINT NOT NULL,
    ready TEXT NOT NULL,
    reason TEXT,
    updated_at BIGINT NOT NULL
);

CREATE INDEX activity_events_kind ON activity_events (kind, id);
