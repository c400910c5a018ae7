-- 0008: item analytics (issue 17).

-- The sums of each item's analysis (bot.core.item_analysis.ItemTally), per server (scope = the
-- guild id) and, for the shared bank, across all servers (scope = -1). Written by the periodic
-- refresh, so nothing is added to the answer path; read by /bank review, /bank stats and /class.
CREATE TABLE item_stats (
    scope        INTEGER NOT NULL,
    item_id      TEXT    NOT NULL,
    answers      INTEGER NOT NULL,
    correct      INTEGER NOT NULL,
    choices      TEXT    NOT NULL,                     -- JSON list: answers per bank choice index
    top          TEXT    NOT NULL,                     -- JSON list: the same, by the top third
    latency_ms   INTEGER NOT NULL,                     -- sum
    late         INTEGER NOT NULL,                     -- answers in the last 10% of the time
    d_n          INTEGER NOT NULL,                     -- point-biserial sums (see ItemTally)
    d_x          REAL    NOT NULL,
    d_y          REAL    NOT NULL,
    d_yy         REAL    NOT NULL,
    d_xy         REAL    NOT NULL,
    computed_at  INTEGER NOT NULL,
    PRIMARY KEY (scope, item_id)
);

-- When the snapshot above was last computed (one row).
CREATE TABLE analytics_runs (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    computed_at INTEGER NOT NULL,
    answers     INTEGER NOT NULL,
    seconds     REAL    NOT NULL
);

-- A member's 🚩 report of a question: one per member per item per server.
CREATE TABLE item_reports (
    guild_id   INTEGER NOT NULL,
    item_id    TEXT    NOT NULL,
    user_id    INTEGER NOT NULL,
    round_id   INTEGER,
    reason     TEXT    NOT NULL CHECK (reason IN ('wrong_key', 'unclear', 'typo', 'outdated', 'other')),
    comment    TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, item_id, user_id)
);
CREATE INDEX item_reports_queue ON item_reports (guild_id, created_at);

-- A curator dismissed an item from the review queue: it comes back only with a report made later.
CREATE TABLE item_reviews (
    guild_id     INTEGER NOT NULL,
    item_id      TEXT    NOT NULL,
    dismissed_by INTEGER NOT NULL,
    dismissed_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

-- Items a server no longer draws (Disable here); /bank review lists them and can enable them again.
CREATE TABLE disabled_items (
    guild_id    INTEGER NOT NULL,
    item_id     TEXT    NOT NULL,
    disabled_by INTEGER NOT NULL,
    disabled_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

-- An item's rounds (its answers over time for /bank stats) and a server's recent rounds (/class)
-- without walking every answer; rounds are written once per posted question, so this costs the
-- answer path nothing.
CREATE INDEX rounds_item ON rounds (item_id, guild_id, opens_at);
CREATE INDEX rounds_guild_time ON rounds (guild_id, opens_at);
