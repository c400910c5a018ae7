-- 0005: choices posted in a fresh order at every posting, issue 12 (twin of
-- migrations/0005_posted_choice_order.sql; the meaning of the columns is documented there).
-- SQLite's `GLOB '[0-9]*'` (starts with a digit) is the regular expression '^[0-9]' here.
ALTER TABLE rounds ADD COLUMN choice_order TEXT CHECK (choice_order IS NULL OR choice_order ~ '^[0-9]');

ALTER TABLE answers ADD COLUMN bank_choice BIGINT;
UPDATE answers SET bank_choice = choice;
