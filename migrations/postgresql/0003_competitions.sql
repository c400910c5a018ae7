-- 0003: study teams and competitions (PostgreSQL twin of migrations/0003_competitions.sql).

ALTER TABLE competitions ADD COLUMN channel_id BIGINT;
ALTER TABLE competitions ADD COLUMN started_by BIGINT;

-- SQLite's `name COLLATE NOCASE` has no PostgreSQL collation of that name: lower(name) is the
-- equivalent key (it folds more than ASCII, as the service's casefolded comparison does), and
-- competitions.py already finds competitions by `lower(name) = lower(?)`, which this index serves.
CREATE UNIQUE INDEX teams_name_nocase ON teams (guild_id, lower(name));
CREATE UNIQUE INDEX competitions_name_nocase ON competitions (guild_id, lower(name));

CREATE INDEX team_members_team ON team_members (team_id);
