-- Agents' own events (presence changes, in the event catalogue), and the report rollup of the
-- time agents spent ready or not ready (by reason) per 15-minute interval (start, ms UTC).
-- A state still held is read from agent_presence (updated_at: since when).
CREATE TABLE agent_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    data TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX agent_events_user ON agent_events (user_id, id);

CREATE TABLE report_agent_states (
    interval_start BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    ready BIGINT NOT NULL,
    reason TEXT NOT NULL,
    ms BIGINT NOT NULL,
    PRIMARY KEY (interval_start, agent_id, ready, reason)
);
CREATE INDEX report_agent_states_department ON report_agent_states (department_id, interval_start);

CREATE VIEW reporting_agent_states AS
SELECT r.interval_start, r.department_id, r.agent_id, u.name AS agent_name, r.ready, r.reason,
       r.ms
FROM report_agent_states r LEFT JOIN users u ON u.id = r.agent_id;
