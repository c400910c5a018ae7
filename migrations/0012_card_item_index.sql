-- 0012: the per-item index of cards names the member too (issue 15).
--
-- The review log is written by joining the batch's reviews to their cards on (server, member,
-- item). Without planner statistics (a new PostgreSQL database, or one whose autovacuum is off)
-- PostgreSQL may take the (guild_id, item_id) index for that join and filter the member row by
-- row: every member who answered one question of a big server is then read for each review, and
-- a batch grows quadratic. With user_id last in the index the join is a unique look-up whichever
-- index is picked; /quiz weak and the item statistics still read it by (guild_id, item_id).
DROP INDEX cards_guild_item;
CREATE INDEX cards_guild_item ON cards (guild_id, item_id, user_id);
