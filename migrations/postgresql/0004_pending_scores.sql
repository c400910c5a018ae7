-- 0004: scores of a question of the day wait for its reveal (twin of migrations/0004_pending_scores.sql).
CREATE TABLE pending_scores (
    round_id       BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id        BIGINT NOT NULL,
    guild_id       BIGINT NOT NULL,
    item_id        TEXT   NOT NULL,
    topic          TEXT   NOT NULL,
    correct        BIGINT NOT NULL CHECK (correct IN (0, 1)),
    points         BIGINT NOT NULL,
    answered_at    BIGINT NOT NULL,
    week_key       TEXT   NOT NULL,
    month_key      TEXT   NOT NULL,
    season_id      BIGINT,
    daily_date     TEXT,
    competition_id BIGINT,
    team_id        BIGINT,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX pending_scores_member ON pending_scores (guild_id, user_id);
