-- Every filter of the case, customer and email lists reads along an index, in id order: cases
-- by department, status and owner; customers by a contact point's value alone (whatever its
-- kind and department); emails by department, alias, direction, outcome and kind.
CREATE INDEX cases_department ON cases (department_id, id);
CREATE INDEX cases_status ON cases (status, id);
CREATE INDEX cases_owner ON cases (owner_id, id);
CREATE INDEX contact_points_value ON contact_points (value_key);
CREATE INDEX emails_department ON emails (department_id, id);
CREATE INDEX emails_alias ON emails (alias_id, id);
CREATE INDEX emails_direction ON emails (direction, id);
CREATE INDEX emails_outcome ON emails (outcome, id);
CREATE INDEX emails_kind ON emails (kind, id);
