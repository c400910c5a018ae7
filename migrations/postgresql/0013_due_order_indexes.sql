-- 0013: the due-work indexes end with guild_id, issue 15 (twin of migrations/0013_due_order_indexes.sql).
DROP INDEX daily_schedules_due;
CREATE INDEX daily_schedules_due ON daily_schedules (paused, next_post_at, guild_id);
DROP INDEX daily_posts_reveal;
CREATE INDEX daily_posts_reveal ON daily_posts (status, reveal_at, guild_id);
