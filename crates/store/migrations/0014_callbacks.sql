-- Entry points are of a kind: chat, callback or delayed callback.
ALTER TABLE chat_entry_points ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat';

-- A department's callback settings (default country, attempts, retry delay, dial link), as a
-- JSON document the domain validated.
CREATE TABLE callback_settings (
    department_id BIGINT PRIMARY KEY REFERENCES departments (id),
    settings TEXT NOT NULL
);

-- Callbacks: whom to call and how the calls went, beside a callback activity. due_at: not
-- offered to an agent before it (the requested time, or a retry's).
CREATE TABLE callbacks (
    activity_id BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    entry_point_id BIGINT NOT NULL REFERENCES chat_entry_points (id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT,
    time_zone TEXT,
    note TEXT NOT NULL,
    requested_at BIGINT,
    due_at BIGINT,
    attempts BIGINT NOT NULL,
    last_outcome TEXT,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX callbacks_phone ON callbacks (department_id, phone);
