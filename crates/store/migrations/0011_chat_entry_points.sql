-- Chat entry points: what a department publishes on its web sites. The form, widget template,
-- origins, survey and time-outs are JSON documents validated by the domain.
CREATE TABLE chat_entry_points (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    active INTEGER NOT NULL,
    queue_id BIGINT REFERENCES queues (id),
    calendar_id BIGINT REFERENCES calendars (id),
    pre_chat TEXT NOT NULL,
    widget TEXT NOT NULL,
    allowed_origins TEXT NOT NULL,
    survey TEXT NOT NULL,
    timeouts TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chat_entry_points_name ON chat_entry_points (department_id, name);
