-- Blobs written in a batch share a pack file, so an email's raw_blob key says where its bytes
-- lie as well as their hash. Recognising a message already stored (after a UIDVALIDITY change)
-- compares content, so the hash gets a column of its own. Earlier keys are the hash alone.
ALTER TABLE emails ADD COLUMN raw_hash TEXT;
UPDATE emails SET raw_hash = raw_blob WHERE raw_blob IS NOT NULL;
DROP INDEX emails_raw;
CREATE INDEX emails_raw_hash ON emails (mailbox_alias_id, raw_hash);
