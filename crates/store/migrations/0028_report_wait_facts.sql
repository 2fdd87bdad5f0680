-- The waits customers were told, kept by the rollup as it folds the event log (one row per
-- `wait_told` event, its end filled in when the first answer or abandonment after it is
-- folded), so the Expected-Wait Accuracy report over a year reads one table instead of
-- searching the event log for each estimate's end. Rebuilt with the rest of the rollup.
ALTER TABLE report_tracked ADD COLUMN told_open BIGINT NOT NULL DEFAULT 0;

CREATE TABLE report_wait_facts (
    activity_id BIGINT NOT NULL,
    told_at BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    queue_id BIGINT NOT NULL,
    told_secs BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    waited_ms BIGINT,
    PRIMARY KEY (activity_id, told_at)
);
CREATE INDEX report_wait_facts_told ON report_wait_facts (told_at);
CREATE INDEX report_wait_facts_open ON report_wait_facts (activity_id, outcome);

CREATE VIEW reporting_wait_facts AS
SELECT f.told_at, f.department_id, f.queue_id, q.name AS queue_name, f.activity_id,
       f.told_secs, f.outcome, f.waited_ms
FROM report_wait_facts f LEFT JOIN queues q ON q.id = f.queue_id;
