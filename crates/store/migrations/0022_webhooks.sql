-- Webhooks: a department's subscriptions (the secret sealed under the installation's key), the
-- event kinds each wants, the deliveries written in the transaction of the event that causes
-- them, and every attempt's outcome. Times in ms.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BIGINT NOT NULL,
    ordered BIGINT NOT NULL,
    description TEXT NOT NULL,
    given_up_in_a_row BIGINT NOT NULL,
    disabled_at BIGINT,
    disabled_reason TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhooks_department ON webhooks (department_id, id);

CREATE TABLE webhook_kinds (
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (webhook_id, kind)
);
CREATE INDEX webhook_kinds_department ON webhook_kinds (department_id, kind);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_status_code BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at, id);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
