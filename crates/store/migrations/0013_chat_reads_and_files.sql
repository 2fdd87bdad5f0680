-- How far the staff holding a chat have read it: customer messages after this number are unread
-- (the agent's list of work shows their count).
ALTER TABLE chats ADD COLUMN agent_read_seq BIGINT NOT NULL DEFAULT 0;

-- Files sent in a chat: the message's text is the file's name; its bytes are a blob.
ALTER TABLE chat_messages ADD COLUMN file_blob TEXT;
ALTER TABLE chat_messages ADD COLUMN file_name TEXT;
ALTER TABLE chat_messages ADD COLUMN file_type TEXT;
ALTER TABLE chat_messages ADD COLUMN file_size BIGINT;
