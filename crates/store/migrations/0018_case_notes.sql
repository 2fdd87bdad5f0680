-- Internal notes on cases: text for colleagues, never sent to the customer; the colleagues a
-- note mentions as a JSON list of user ids.
CREATE TABLE case_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_user_id BIGINT,
    at BIGINT NOT NULL,
    text TEXT NOT NULL,
    mentions TEXT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, id);
