-- The agents' day rollups as stable reporting views: one row per agent and local day in each
-- time zone days are kept in (UTC and the business calendars' zones).
CREATE VIEW reporting_agent_days AS
SELECT r.zone, r.interval_start AS day_start, r.department_id, r.agent_id,
       u.name AS agent_name, r.channel, r.offered, r.accepted, r.declined, r.missed,
       r.assigned, r.completed, r.handle_ms
FROM report_agent_days r LEFT JOIN users u ON u.id = r.agent_id;

CREATE VIEW reporting_agent_state_days AS
SELECT r.zone, r.interval_start AS day_start, r.department_id, r.agent_id,
       u.name AS agent_name, r.ready, r.reason, r.ms
FROM report_agent_state_days r LEFT JOIN users u ON u.id = r.agent_id;
