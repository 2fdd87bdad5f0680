-- A department's wrap-up rule (whether a category is required before completing), as a JSON
-- document the domain validated.
CREATE TABLE wrap_up_settings (
    department_id BIGINT PRIMARY KEY REFERENCES departments (id),
    settings TEXT NOT NULL
);
