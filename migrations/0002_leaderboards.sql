-- 0002: leaderboards, seasons and archives.

-- Where a season's end is announced (the channel /season start ran in) and who started it.
ALTER TABLE seasons ADD COLUMN channel_id INTEGER;
ALTER TABLE seasons ADD COLUMN started_by INTEGER;

-- A season's archived standings: at most one archive per season, found from the season.
ALTER TABLE score_archives ADD COLUMN season_id INTEGER REFERENCES seasons (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX score_archives_season ON score_archives (season_id) WHERE season_id IS NOT NULL;
CREATE INDEX score_archives_guild ON score_archives (guild_id, created_at);

-- Boards are read in (points DESC, user_id) order; with user_id in the index a page is a plain
-- index walk even among many tied members, and a rank is a range count on the same index.
DROP INDEX scores_board;
CREATE INDEX scores_board ON scores (guild_id, period_kind, period_key, points DESC, user_id);
CREATE INDEX score_archive_rows_board ON score_archive_rows (archive_id, points DESC, user_id);

-- /privacy forget-me finds a member's rows of every period without walking the whole server's
-- boards. Updates of existing rows leave it alone (its columns never change), so answers barely
-- pay for it: only a member's first answer in a new week or month inserts into it.
CREATE INDEX scores_member ON scores (guild_id, user_id);

-- Topic boards: most correct answers first, then fewest answers (the better accuracy) among equals.
CREATE INDEX topic_scores_board ON topic_scores (guild_id, topic, correct DESC, answered, user_id);
