-- A claimed outbox entry carries when its claim runs out: a process renews the claims of what
-- it is sending, and only a claim that ran out (its process died) is put back for sending, so a
-- second process can never send an entry another one is still sending.
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
