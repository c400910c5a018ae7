-- 0003: study teams and competitions.

-- Where a competition's end is announced (the channel /competition start ran in) and who started it.
ALTER TABLE competitions ADD COLUMN channel_id INTEGER;
ALTER TABLE competitions ADD COLUMN started_by INTEGER;

-- Names are unique per server whatever the case (the service compares casefolded names; this
-- index is the backstop for ASCII). Competitions are found by name for /competition standings.
CREATE UNIQUE INDEX teams_name_nocase ON teams (guild_id, name COLLATE NOCASE);
CREATE UNIQUE INDEX competitions_name_nocase ON competitions (guild_id, name COLLATE NOCASE);

-- A team's members (for /team list) without walking the server's memberships.
CREATE INDEX team_members_team ON team_members (team_id);
