-- Reply drafts: one per activity, kept with the work so whoever holds it next goes on from
-- where it was left, and removed when the reply is sent.
CREATE TABLE reply_drafts (
    activity_id BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    text_body TEXT NOT NULL,
    html TEXT,
    recipients TEXT NOT NULL,
    attachments TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
