-- The email channel: aliases (mailboxes we read and send from), stored messages in both
-- directions with their attachments, the retriever's IMAP cursors, the outbox the dispatcher
-- drains, delivery exceptions (bounces and permanent send failures) and hygiene settings.

CREATE TABLE aliases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    address TEXT NOT NULL,
    address_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    queue_id BIGINT REFERENCES queues (id),
    active BIGINT NOT NULL,
    incoming TEXT NOT NULL,
    incoming_secret TEXT,
    outgoing TEXT NOT NULL,
    outgoing_secret TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX aliases_department ON aliases (department_id, id);

CREATE TABLE mail_cursors (
    alias_id BIGINT NOT NULL REFERENCES aliases (id) ON DELETE CASCADE,
    folder TEXT NOT NULL,
    uid_validity BIGINT NOT NULL,
    last_uid BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (alias_id, folder)
);

CREATE TABLE emails (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    alias_id BIGINT REFERENCES aliases (id) ON DELETE SET NULL,
    mailbox_alias_id BIGINT REFERENCES aliases (id) ON DELETE SET NULL,
    direction TEXT NOT NULL,
    source_key TEXT,
    raw_blob TEXT,
    raw_size BIGINT NOT NULL,
    message_id TEXT,
    message_id_key TEXT,
    in_reply_to TEXT NOT NULL,
    ref_ids TEXT NOT NULL,
    from_address TEXT,
    from_key TEXT,
    from_name TEXT,
    reply_to TEXT NOT NULL,
    to_list TEXT NOT NULL,
    cc_list TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT,
    sent_at BIGINT,
    kind TEXT NOT NULL,
    kind_reason TEXT NOT NULL,
    outcome TEXT NOT NULL,
    outcome_reason TEXT NOT NULL,
    thread_rule TEXT,
    case_id BIGINT REFERENCES cases (id),
    activity_id BIGINT REFERENCES activities (id) ON DELETE SET NULL,
    automatic BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX emails_source ON emails (mailbox_alias_id, source_key);
CREATE INDEX emails_message_id ON emails (department_id, message_id_key);
CREATE INDEX emails_raw ON emails (mailbox_alias_id, raw_blob);
CREATE INDEX emails_case ON emails (case_id, id);
CREATE INDEX emails_activity ON emails (activity_id, id);
CREATE INDEX emails_from ON emails (case_id, from_key);

CREATE TABLE email_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email_id BIGINT NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    blob TEXT,
    content_id TEXT,
    inline_part BIGINT NOT NULL,
    blocked BIGINT NOT NULL
);
CREATE INDEX email_attachments_email ON email_attachments (email_id, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email_id BIGINT NOT NULL UNIQUE REFERENCES emails (id) ON DELETE CASCADE,
    alias_id BIGINT NOT NULL REFERENCES aliases (id),
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);

CREATE TABLE delivery_exceptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    email_id BIGINT REFERENCES emails (id) ON DELETE SET NULL,
    bounce_email_id BIGINT REFERENCES emails (id) ON DELETE SET NULL,
    activity_id BIGINT REFERENCES activities (id) ON DELETE SET NULL,
    recipient TEXT,
    status TEXT,
    reason TEXT NOT NULL,
    permanent BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX delivery_exceptions_department ON delivery_exceptions (department_id, id);
CREATE INDEX delivery_exceptions_email ON delivery_exceptions (email_id);

CREATE TABLE email_settings (
    department_id BIGINT PRIMARY KEY REFERENCES departments (id) ON DELETE CASCADE,
    settings TEXT NOT NULL
)
