-- Report rollups: the event log folded into 15-minute intervals (interval = start, ms UTC) per
-- queue and per agent, what the fold remembers of each activity between events, and how far
-- it has read the log (one row per rollup).
CREATE TABLE report_cursor (
    name TEXT PRIMARY KEY,
    last_event_id BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE report_tracked (
    activity_id BIGINT PRIMARY KEY,
    department_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    queue_id BIGINT,
    waiting_since BIGINT,
    answered BIGINT NOT NULL,
    offered_to BIGINT,
    agent_id BIGINT,
    working_since BIGINT
);

CREATE TABLE report_queue_intervals (
    interval_start BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    queue_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    arrived BIGINT NOT NULL,
    transferred_in BIGINT NOT NULL,
    transferred_out BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    wait_ms BIGINT NOT NULL,
    within_20s BIGINT NOT NULL,
    within_30s BIGINT NOT NULL,
    within_60s BIGINT NOT NULL,
    within_120s BIGINT NOT NULL,
    within_300s BIGINT NOT NULL,
    abandoned BIGINT NOT NULL,
    completed BIGINT NOT NULL,
    PRIMARY KEY (interval_start, queue_id, channel)
);
CREATE INDEX report_queue_intervals_department ON report_queue_intervals (department_id, interval_start);

CREATE TABLE report_agent_intervals (
    interval_start BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    offered BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    declined BIGINT NOT NULL,
    missed BIGINT NOT NULL,
    assigned BIGINT NOT NULL,
    completed BIGINT NOT NULL,
    handle_ms BIGINT NOT NULL,
    PRIMARY KEY (interval_start, department_id, agent_id, channel)
);
CREATE INDEX report_agent_intervals_department ON report_agent_intervals (department_id, interval_start);
