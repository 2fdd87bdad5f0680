-- A user's own settings (language, time zone, sound, desktop notifications), as a JSON document
-- the domain validated.
CREATE TABLE user_preferences (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    prefs TEXT NOT NULL
);
