-- The agents' work and state times summed per local day (interval_start: the day's start, ms
-- UTC) in each time zone the rollup keeps days for (`report_zones`: UTC, and the zones of the
-- business calendars), kept beside the 15-minute rows as they are added, so a report by day,
-- week or month over a year reads one row per agent and day. Filled in UTC from the rows
-- already there; another zone is filled when it is first kept.
CREATE TABLE report_zones (
    zone TEXT PRIMARY KEY,
    added_at BIGINT NOT NULL
);

CREATE TABLE report_agent_days (
    zone TEXT NOT NULL,
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
    PRIMARY KEY (zone, interval_start, department_id, agent_id, channel)
);

CREATE TABLE report_agent_state_days (
    zone TEXT NOT NULL,
    interval_start BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    ready BIGINT NOT NULL,
    reason TEXT NOT NULL,
    ms BIGINT NOT NULL,
    PRIMARY KEY (zone, interval_start, agent_id, ready, reason)
);

INSERT INTO report_zones (zone, added_at) VALUES ('UTC', 0);

INSERT INTO report_agent_days (zone, interval_start, department_id, agent_id, channel, offered,
    accepted, declined, missed, assigned, completed, handle_ms)
SELECT 'UTC', (interval_start / 86400000) * 86400000, department_id, agent_id, channel,
       SUM(offered), SUM(accepted), SUM(declined), SUM(missed), SUM(assigned), SUM(completed),
       SUM(handle_ms)
FROM report_agent_intervals
GROUP BY (interval_start / 86400000) * 86400000, department_id, agent_id, channel;

INSERT INTO report_agent_state_days (zone, interval_start, department_id, agent_id, ready,
    reason, ms)
SELECT 'UTC', MIN((interval_start / 86400000) * 86400000), MIN(department_id), agent_id, ready,
       reason, SUM(ms)
FROM report_agent_states
GROUP BY (interval_start / 86400000) * 86400000, agent_id, ready, reason;
