-- 0010: leases, issue 15 (PostgreSQL twin of migrations/0010_leases.sql, documented there).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX leases_holder ON leases (holder);
