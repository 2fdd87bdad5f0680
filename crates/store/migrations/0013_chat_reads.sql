-- How far the staff holding a chat have read it: customer messages after this number are unread
-- (the agent's list of work shows their count).
ALTER TABLE chats ADD COLUMN agent_read_seq BIGINT NOT NULL DEFAULT 0;
