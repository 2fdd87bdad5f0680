-- Saved reports: a report's definition (JSON) under a name in a department, perhaps with a
-- schedule that is due when next_run_at has come; each run, and the files it made (blobs, the
-- same ones its mail attaches). Times in ms.
CREATE TABLE saved_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    owner_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    next_run_at BIGINT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX saved_reports_department ON saved_reports (department_id, id);
CREATE INDEX saved_reports_due ON saved_reports (next_run_at);

CREATE TABLE report_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    saved_report_id BIGINT NOT NULL REFERENCES saved_reports (id) ON DELETE CASCADE,
    run_trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    period_from BIGINT,
    period_to BIGINT,
    recipients TEXT NOT NULL,
    email_id BIGINT REFERENCES emails (id) ON DELETE SET NULL,
    error TEXT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX report_runs_report ON report_runs (saved_report_id, id);

CREATE TABLE report_run_files (
    run_id BIGINT NOT NULL REFERENCES report_runs (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    blob TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
);
