-- 0004: scores of a question of the day wait for its reveal.
-- A daily question stays open for hours; had its answers moved the leaderboards, /stats and the
-- competition table at once, anyone could read who was right long before the reveal. Its answers are
-- stored in `answers` when given (nothing is lost) and their aggregate updates wait here, with what
-- was resolved at answer time, until the reveal applies them in one transaction.
CREATE TABLE pending_scores (
    round_id       INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    guild_id       INTEGER NOT NULL,
    item_id        TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    correct        INTEGER NOT NULL CHECK (correct IN (0, 1)),
    points         INTEGER NOT NULL,
    answered_at    INTEGER NOT NULL,
    week_key       TEXT    NOT NULL,
    month_key      TEXT    NOT NULL,
    season_id      INTEGER,
    daily_date     TEXT,
    competition_id INTEGER,
    team_id        INTEGER,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX pending_scores_member ON pending_scores (guild_id, user_id);
