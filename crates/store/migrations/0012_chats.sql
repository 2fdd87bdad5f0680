-- How many chats may wait while no agent is free before the widget offers its alternative.
ALTER TABLE chat_entry_points ADD COLUMN max_waiting BIGINT NOT NULL DEFAULT 0;

-- Chats: the conversation beside a chat activity. The customer's token is kept as its SHA-256
-- hash; messages are numbered 1, 2, 3 … per chat (last_seq is the latest).
CREATE TABLE chats (
    activity_id BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    entry_point_id BIGINT NOT NULL REFERENCES chat_entry_points (id),
    token_hash TEXT NOT NULL UNIQUE,
    customer_name TEXT NOT NULL,
    last_seq BIGINT NOT NULL,
    ended_by TEXT,
    end_reason TEXT,
    ended_at BIGINT,
    customer_seen_at BIGINT NOT NULL,
    agent_seen_at BIGINT,
    customer_warned_at BIGINT,
    agent_nudged_at BIGINT,
    survey TEXT,
    transcript_email_id BIGINT REFERENCES emails (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX chats_open ON chats (ended_at, activity_id);

CREATE TABLE chat_messages (
    activity_id BIGINT NOT NULL REFERENCES chats (activity_id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    party TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    author_name TEXT NOT NULL,
    audience TEXT NOT NULL,
    body TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (activity_id, seq)
);
