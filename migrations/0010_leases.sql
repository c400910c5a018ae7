-- 0010: leases (issue 15): due work claimed by one of several bot processes sharing a database.
--
-- A lease names one piece of due work ('daily-post:<guild>:<local date>', 'quiz-session:<id>', ...)
-- and who holds it until when. A process takes a lease that is free or expired, keeps every lease
-- it holds alive while it runs (one UPDATE per beat by holder), and gives them back when it stops:
-- the claims of a process that died are taken over once its leases expire.
-- See bot/storage/leases.py and "Due work across processes" in bot/storage/README.md.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,           -- hostname:pid:random of the process holding it
    expires_at INTEGER NOT NULL     -- UTC ms; free for anyone from then on
);
CREATE INDEX leases_holder ON leases (holder);
