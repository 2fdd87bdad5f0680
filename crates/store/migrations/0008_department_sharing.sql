-- A department's sharing: the ids of the departments whose users may see and work on its
-- objects (a JSON array of ids, sorted). Read when a caller's scope is worked out.
ALTER TABLE departments ADD COLUMN shared_with TEXT NOT NULL DEFAULT '[]';
