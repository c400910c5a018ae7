-- 0013: the due-work indexes end with guild_id, the tie-break of the queries that read them
-- (issue 15).
--
-- The question of the day and its reveal are read a chunk at a time, ORDER BY the due time then
-- guild_id, LIMIT n, filtered to the process's own shards. When thousands of servers are due in
-- the same minute (one next_post_at for all), an index without guild_id gives the rows in an order
-- the query cannot use: every chunk then read and sorted every due schedule (37 M rows read to post
-- 100,000 questions on four PostgreSQL processes). With guild_id last the index scan is the query's
-- order, and a chunk stops after n owned rows.
DROP INDEX daily_schedules_due;
CREATE INDEX daily_schedules_due ON daily_schedules (paused, next_post_at, guild_id);
DROP INDEX daily_posts_reveal;
CREATE INDEX daily_posts_reveal ON daily_posts (status, reveal_at, guild_id);
