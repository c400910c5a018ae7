-- 0008: item analytics, issue 17 (PostgreSQL twin of migrations/0008_analytics.sql, documented there).

CREATE TABLE item_stats (
    scope        BIGINT           NOT NULL,
    item_id      TEXT             NOT NULL,
    answers      BIGINT           NOT NULL,
    correct      BIGINT           NOT NULL,
    choices      TEXT             NOT NULL,
    top          TEXT             NOT NULL,
    latency_ms   BIGINT           NOT NULL,
    late         BIGINT           NOT NULL,
    d_n          BIGINT           NOT NULL,
    d_x          DOUBLE PRECISION NOT NULL,
    d_y          DOUBLE PRECISION NOT NULL,
    d_yy         DOUBLE PRECISION NOT NULL,
    d_xy         DOUBLE PRECISION NOT NULL,
    computed_at  BIGINT           NOT NULL,
    PRIMARY KEY (scope, item_id)
);

-- One row, always written with id = 1: a plain key, no identity.
CREATE TABLE analytics_runs (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    computed_at BIGINT           NOT NULL,
    answers     BIGINT           NOT NULL,
    seconds     DOUBLE PRECISION NOT NULL
);

CREATE TABLE item_reports (
    guild_id   BIGINT NOT NULL,
    item_id    TEXT   NOT NULL,
    user_id    BIGINT NOT NULL,
    round_id   BIGINT,
    reason     TEXT   NOT NULL CHECK (reason IN ('wrong_key', 'unclear', 'typo', 'outdated', 'other')),
    comment    TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (guild_id, item_id, user_id)
);
CREATE INDEX item_reports_queue ON item_reports (guild_id, created_at);

CREATE TABLE item_reviews (
    guild_id     BIGINT NOT NULL,
    item_id      TEXT   NOT NULL,
    dismissed_by BIGINT NOT NULL,
    dismissed_at BIGINT NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

CREATE TABLE disabled_items (
    guild_id    BIGINT NOT NULL,
    item_id     TEXT   NOT NULL,
    disabled_by BIGINT NOT NULL,
    disabled_at BIGINT NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

CREATE INDEX rounds_item ON rounds (item_id, guild_id, opens_at);
CREATE INDEX rounds_guild_time ON rounds (guild_id, opens_at);
