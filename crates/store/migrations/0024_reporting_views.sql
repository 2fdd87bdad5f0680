-- Stable reporting views for custom SQL reports (documented in docs/data-dictionary.md): the
-- columns here keep their names and meaning across releases, whatever happens to the tables
-- behind them. Times are milliseconds since 1970 (UTC).
CREATE VIEW reporting_activities AS
SELECT a.id AS activity_id, a.department_id, a.case_id, a.customer_id, a.channel, a.status,
       a.sub_status, a.priority, a.queue_id, a.assignee_id AS agent_id, a.category_id,
       a.created_at, a.updated_at
FROM activities a;

CREATE VIEW reporting_events AS
SELECT e.id AS event_id, e.activity_id, a.department_id, a.channel, e.kind, e.from_status,
       e.to_status, e.actor_user_id, e.at
FROM activity_events e JOIN activities a ON a.id = e.activity_id;

CREATE VIEW reporting_queue_intervals AS
SELECT r.interval_start, r.department_id, r.queue_id, q.name AS queue_name, r.channel,
       r.arrived, r.transferred_in, r.transferred_out, r.answered, r.wait_ms,
       r.within_20s, r.within_30s, r.within_60s, r.within_120s, r.within_300s,
       r.abandoned, r.completed
FROM report_queue_intervals r LEFT JOIN queues q ON q.id = r.queue_id;

CREATE VIEW reporting_agent_intervals AS
SELECT r.interval_start, r.department_id, r.agent_id, u.name AS agent_name, r.channel,
       r.offered, r.accepted, r.declined, r.missed, r.assigned, r.completed, r.handle_ms
FROM report_agent_intervals r LEFT JOIN users u ON u.id = r.agent_id;

CREATE VIEW reporting_queues AS
SELECT id AS queue_id, department_id, name, kind FROM queues;

CREATE VIEW reporting_agents AS
SELECT id AS agent_id, department_id, name, role, active FROM users;

CREATE VIEW reporting_departments AS
SELECT id AS department_id, name FROM departments;
