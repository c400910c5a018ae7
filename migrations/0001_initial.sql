-- 0001: the initial schema.
-- Times are INTEGER unix epoch milliseconds (UTC); ids from Discord are INTEGER snowflakes.
-- Kept to the subset SQLite and PostgreSQL share where it costs nothing.

-- Per-server settings (issue: server administration). One row per guild, created on first use.
CREATE TABLE guild_settings (
    guild_id         INTEGER PRIMARY KEY,
    timezone         TEXT    NOT NULL DEFAULT 'UTC',       -- IANA name
    answer_mode      TEXT    NOT NULL DEFAULT 'reactions' CHECK (answer_mode IN ('reactions', 'buttons')),
    hidden_answers   INTEGER NOT NULL DEFAULT 0 CHECK (hidden_answers IN (0, 1)),
    default_seconds  INTEGER NOT NULL DEFAULT 20 CHECK (default_seconds BETWEEN 5 AND 300),
    default_language TEXT    NOT NULL DEFAULT 'en' CHECK (default_language IN ('en', 'zh', 'any')),
    speed_bonus      INTEGER NOT NULL DEFAULT 1 CHECK (speed_bonus IN (0, 1)),
    show_counts      INTEGER NOT NULL DEFAULT 1 CHECK (show_counts IN (0, 1)),
    topics_enabled   TEXT,                                 -- JSON list of topics; NULL = all
    updated_at       INTEGER NOT NULL
);

-- Display names cached at answer time, so leaderboards need no member lookups or privileged intents.
CREATE TABLE members (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    display_name TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- A live quiz in a channel. At most one running quiz per channel.
CREATE TABLE quiz_sessions (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    started_by      INTEGER NOT NULL,
    kind            TEXT    NOT NULL DEFAULT 'quiz' CHECK (kind IN ('quiz', 'single')),
    topic           TEXT,                                  -- NULL = all topics
    lang            TEXT    NOT NULL CHECK (lang IN ('en', 'zh', 'any')),
    mode            TEXT    NOT NULL CHECK (mode IN ('reactions', 'buttons')),
    seconds         INTEGER NOT NULL,
    total_questions INTEGER NOT NULL,
    item_ids        TEXT    NOT NULL,                      -- JSON list, drawn at start so a restart resumes it
    status          TEXT    NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'stopped')),
    created_at      INTEGER NOT NULL,
    ended_at        INTEGER
);
CREATE UNIQUE INDEX quiz_sessions_one_running_per_channel
    ON quiz_sessions (channel_id) WHERE status = 'running';
CREATE INDEX quiz_sessions_guild ON quiz_sessions (guild_id, created_at);

-- One posted question: a quiz round or a daily question.
CREATE TABLE rounds (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    session_id  INTEGER REFERENCES quiz_sessions (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('quiz', 'daily')),
    position    INTEGER NOT NULL DEFAULT 1,                -- 1-based within its session
    item_id     TEXT    NOT NULL,
    mode        TEXT    NOT NULL CHECK (mode IN ('reactions', 'buttons')),
    message_id  INTEGER,                                   -- NULL until the question is posted
    opens_at    INTEGER NOT NULL,
    closes_at   INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'revealed')),
    revealed_at INTEGER
);
CREATE UNIQUE INDEX rounds_message ON rounds (message_id);
CREATE INDEX rounds_open_by_close ON rounds (status, closes_at);
CREATE INDEX rounds_session ON rounds (session_id, position);

-- Every answer, one per member per round; kept for stats, analytics and spaced repetition.
CREATE TABLE answers (
    round_id    INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    item_id     TEXT    NOT NULL,
    choice      INTEGER NOT NULL,                          -- zero-based
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    points      INTEGER NOT NULL,
    latency_ms  INTEGER NOT NULL,
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX answers_member ON answers (guild_id, user_id, answered_at);

-- Score aggregates kept at write time, per (server, period, member), so no leaderboard sums answers.
-- period_kind/period_key: ('all', 'all'), ('week', '2026-W47'), ('month', '2026-11'), ('season', '<id>').
CREATE TABLE scores (
    guild_id    INTEGER NOT NULL,
    period_kind TEXT    NOT NULL CHECK (period_kind IN ('all', 'week', 'month', 'season')),
    period_key  TEXT    NOT NULL,
    user_id     INTEGER NOT NULL,
    points      INTEGER NOT NULL DEFAULT 0,
    answered    INTEGER NOT NULL DEFAULT 0,
    correct     INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, period_kind, period_key, user_id)
);
CREATE INDEX scores_board ON scores (guild_id, period_kind, period_key, points DESC);

-- Per-topic accuracy per member, kept at write time for /stats and the daily question's weakest topic.
CREATE TABLE topic_scores (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    topic    TEXT    NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    correct  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id, topic)
);

CREATE TABLE streaks (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    correct_current INTEGER NOT NULL DEFAULT 0,
    correct_best    INTEGER NOT NULL DEFAULT 0,
    daily_current   INTEGER NOT NULL DEFAULT 0,
    daily_best      INTEGER NOT NULL DEFAULT 0,
    last_daily_date TEXT,                                  -- local date of the last correct daily answer
    PRIMARY KEY (guild_id, user_id)
);

-- How often a server has seen each item; the least-used items of a pool are drawn first, so nothing
-- repeats until the pool is used up.
CREATE TABLE question_usage (
    guild_id     INTEGER NOT NULL,
    item_id      TEXT    NOT NULL,
    times_used   INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

-- Question of the day: one schedule per server; the database decides what is due.
CREATE TABLE daily_schedules (
    guild_id           INTEGER PRIMARY KEY,
    channel_id         INTEGER NOT NULL,
    post_time          TEXT    NOT NULL,                   -- local HH:MM
    timezone           TEXT    NOT NULL,                   -- IANA name
    role_id            INTEGER,
    reveal_after_hours INTEGER NOT NULL DEFAULT 12 CHECK (reveal_after_hours BETWEEN 1 AND 23),
    topic              TEXT,
    paused             INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    pause_reason       TEXT,
    next_post_at       INTEGER NOT NULL,                   -- UTC ms of the next local post time
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX daily_schedules_due ON daily_schedules (paused, next_post_at);

-- Exactly once: a daily post is keyed by (server, local date).
CREATE TABLE daily_posts (
    guild_id    INTEGER NOT NULL,
    local_date  TEXT    NOT NULL,                          -- YYYY-MM-DD in the schedule's zone
    round_id    INTEGER REFERENCES rounds (id) ON DELETE SET NULL,
    status      TEXT    NOT NULL CHECK (status IN ('claimed', 'posted', 'revealed', 'skipped', 'failed')),
    late        INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    due_at      INTEGER NOT NULL,
    posted_at   INTEGER,
    reveal_at   INTEGER,
    PRIMARY KEY (guild_id, local_date)
);
CREATE INDEX daily_posts_reveal ON daily_posts (status, reveal_at);

CREATE TABLE seasons (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    ends_at    INTEGER,
    ended_at   INTEGER,
    UNIQUE (guild_id, name)
);
CREATE UNIQUE INDEX seasons_one_active ON seasons (guild_id) WHERE ended_at IS NULL;
CREATE INDEX seasons_due ON seasons (ends_at) WHERE ended_at IS NULL;

-- Archived boards (a /leaderboard reset keeps one), readable after the fact.
CREATE TABLE score_archives (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('reset', 'season')),
    label      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE score_archive_rows (
    archive_id INTEGER NOT NULL REFERENCES score_archives (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    points     INTEGER NOT NULL,
    answered   INTEGER NOT NULL,
    correct    INTEGER NOT NULL,
    PRIMARY KEY (archive_id, user_id)
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    role_id    INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (guild_id, name)
);
-- A member is on at most one team per server (role-bound teams are resolved at answer time).
CREATE TABLE team_members (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE competitions (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    scoring    TEXT    NOT NULL CHECK (scoring IN ('total', 'average')),
    started_at INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE UNIQUE INDEX competitions_one_running ON competitions (guild_id) WHERE ended_at IS NULL;
CREATE INDEX competitions_due ON competitions (ends_at) WHERE ended_at IS NULL;

CREATE TABLE competition_scores (
    competition_id INTEGER NOT NULL REFERENCES competitions (id) ON DELETE CASCADE,
    team_id        INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    points         INTEGER NOT NULL DEFAULT 0,
    answered       INTEGER NOT NULL DEFAULT 0,
    correct        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (competition_id, team_id, user_id)
);

-- A server's own imported questions; the payload is a validated bank item as JSON.
CREATE TABLE guild_items (
    guild_id   INTEGER NOT NULL,
    item_id    TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

-- Hash of the slash command definitions last synced per scope ('global' or a guild id), so global
-- commands are only synced when they change.
CREATE TABLE command_sync (
    scope      TEXT PRIMARY KEY,
    hash       TEXT    NOT NULL,
    synced_at  INTEGER NOT NULL
);
