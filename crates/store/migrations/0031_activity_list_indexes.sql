-- Every filter of the activity list reads along an index, in the list's order: by department
-- (a scope is read one department at a time), by channel, and by creation time (a time filter
-- lists in creation order), alone or within a department.
CREATE INDEX activities_department ON activities (department_id, id);
CREATE INDEX activities_channel ON activities (channel, id);
CREATE INDEX activities_created ON activities (created_at, id);
CREATE INDEX activities_department_created ON activities (department_id, created_at, id);
