-- 0002: leaderboards, seasons and archives (PostgreSQL twin of migrations/0002_leaderboards.sql).

ALTER TABLE seasons ADD COLUMN channel_id BIGINT;
ALTER TABLE seasons ADD COLUMN started_by BIGINT;

ALTER TABLE score_archives ADD COLUMN season_id BIGINT REFERENCES seasons (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX score_archives_season ON score_archives (season_id) WHERE season_id IS NOT NULL;
CREATE INDEX score_archives_guild ON score_archives (guild_id, created_at);

DROP INDEX scores_board;
CREATE INDEX scores_board ON scores (guild_id, period_kind, period_key, points DESC, user_id);
CREATE INDEX score_archive_rows_board ON score_archive_rows (archive_id, points DESC, user_id);

CREATE INDEX scores_member ON scores (guild_id, user_id);

CREATE INDEX topic_scores_board ON topic_scores (guild_id, topic, correct DESC, answered, user_id);
