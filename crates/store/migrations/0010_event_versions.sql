-- Each event records the version of its kind's details (the event catalogue), so readers
-- know which shape they read. Every event written before has version 1.
ALTER TABLE activity_events ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
