-- 0009: typed answers, issue 18 (PostgreSQL twin of migrations/0009_typed_answers.sql, documented there).
ALTER TABLE quiz_sessions ADD COLUMN typed BIGINT NOT NULL DEFAULT 0 CHECK (typed IN (0, 1));
ALTER TABLE rounds ADD COLUMN typed BIGINT NOT NULL DEFAULT 0 CHECK (typed IN (0, 1));

ALTER TABLE answers ADD COLUMN typed_text TEXT;
