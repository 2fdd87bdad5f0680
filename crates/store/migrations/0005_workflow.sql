-- Workflows and the knowledge base: folders and articles with their search index (terms per
-- article, ranked in the application, so both engines search alike), categories, business
-- calendars, versioned workflows, the generation counter that tells every node to reload
-- them, alarm bookkeeping, and message parts per alias.

CREATE TABLE kb_folders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    parent_id BIGINT REFERENCES kb_folders (id),
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX kb_folders_department ON kb_folders (department_id, id);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    folder_id BIGINT REFERENCES kb_folders (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    html TEXT NOT NULL,
    text_body TEXT NOT NULL,
    active BIGINT NOT NULL,
    terms BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX articles_department ON articles (department_id, kind, id);
CREATE INDEX articles_folder ON articles (folder_id, id);

CREATE TABLE article_terms (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL,
    term TEXT NOT NULL,
    body_tf BIGINT NOT NULL,
    title_tf BIGINT NOT NULL,
    PRIMARY KEY (department_id, term, article_id)
);
CREATE INDEX article_terms_article ON article_terms (article_id);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX categories_name ON categories (department_id, name);

CREATE TABLE calendars (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    hours TEXT NOT NULL,
    holidays TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX calendars_name ON calendars (department_id, name);

CREATE TABLE workflows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    active BIGINT NOT NULL,
    alias_ids TEXT NOT NULL,
    interval_secs BIGINT NOT NULL,
    definition TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX workflows_name ON workflows (department_id, name);

CREATE TABLE workflow_versions (
    workflow_id BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    active BIGINT NOT NULL,
    alias_ids TEXT NOT NULL,
    interval_secs BIGINT NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, version)
);

-- Every department gets the standard start workflow: acknowledge new cases with the
-- department's auto-acknowledgement article (the mail then waits in its alias's queue).
INSERT INTO workflows (department_id, name, description, kind, active, alias_ids, interval_secs, definition, version, created_at, updated_at)
SELECT id, 'Standard start', 'Acknowledges new cases with the department''s auto-acknowledgement article. The mail then waits in its alias''s queue.',
       'start', 1, '[]', 0, '{"steps":[{"type":"acknowledge","id":"acknowledge"}]}', 1, created_at, created_at
FROM departments;
INSERT INTO workflow_versions (workflow_id, version, name, active, alias_ids, interval_secs, definition, created_at)
SELECT id, version, name, active, alias_ids, interval_secs, definition, created_at FROM workflows;

CREATE TABLE config_generations (
    name TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO config_generations (name, generation) VALUES ('workflow', 1);

CREATE TABLE alarm_hits (
    workflow_id BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    fired_at BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, activity_id)
);

ALTER TABLE activities ADD COLUMN category_id BIGINT REFERENCES categories (id);
ALTER TABLE aliases ADD COLUMN parts TEXT NOT NULL DEFAULT '{}';
ALTER TABLE queues ADD COLUMN review_queue_id BIGINT REFERENCES queues (id);
ALTER TABLE users ADD COLUMN reviewed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_groups ADD COLUMN reviewed BIGINT NOT NULL DEFAULT 0
