-- 0006 (issue 16): the tutor.
--
-- A deck is (guild_id, user_id): a member's cards in one server. guild_id 0 is the member's private
-- deck of the shared bank, used in DMs with the bot and by `quizbot play` / `quizbot study`
-- (whose local server id has always been 0). Discord snowflakes are never 0, so it clashes with no
-- server. Times are epoch milliseconds (UTC), as everywhere.

-- One FSRS card per (deck, item). Its id is the card_id FSRS and its optimizer see.
CREATE TABLE cards (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    item_id        TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    state          INTEGER NOT NULL CHECK (state IN (1, 2, 3)),  -- fsrs.State: learning, review, relearning
    step           INTEGER,
    stability      REAL,
    difficulty     REAL,
    due_at         INTEGER NOT NULL,
    last_review_at INTEGER,
    reps           INTEGER NOT NULL DEFAULT 0,
    lapses         INTEGER NOT NULL DEFAULT 0,
    introduced_by  TEXT    NOT NULL,                             -- the source of its first review
    created_at     INTEGER NOT NULL,
    UNIQUE (guild_id, user_id, item_id)
);
-- A member's due cards, and the server-wide forecast (/quiz weak reads by item).
CREATE INDEX cards_member_due ON cards (guild_id, user_id, due_at);
CREATE INDEX cards_guild_item ON cards (guild_id, item_id);

-- Every review, as FSRS's optimizer reads it (card, time, rating, duration), plus where it came from
-- and the card's state before it (true retention counts reviews of cards in the review state).
CREATE TABLE review_log (
    id           INTEGER PRIMARY KEY,
    card_id      INTEGER NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    reviewed_at  INTEGER NOT NULL,
    duration_ms  INTEGER,
    source       TEXT    NOT NULL CHECK (source IN ('quiz', 'daily', 'study', 'play')),
    prior_state  INTEGER NOT NULL CHECK (prior_state IN (0, 1, 2, 3))  -- 0: the card was new
);
CREATE INDEX review_log_member ON review_log (guild_id, user_id, reviewed_at);
CREATE INDEX review_log_card ON review_log (card_id);

-- A member's tutor settings per deck, and their study reminder.
CREATE TABLE study_members (
    guild_id          INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    desired_retention REAL    NOT NULL DEFAULT 0.9 CHECK (desired_retention BETWEEN 0.80 AND 0.97),
    new_per_day       INTEGER NOT NULL DEFAULT 10 CHECK (new_per_day BETWEEN 0 AND 50),
    remind_time       TEXT,                                      -- local HH:MM; NULL = reminders off
    remind_timezone   TEXT,                                      -- IANA name
    remind_next_at    INTEGER,                                   -- the next reminder instant
    remind_last_date  TEXT,                                      -- local date of the last reminder sent
    remind_off_reason TEXT,                                      -- why the bot turned reminders off
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX study_members_remind ON study_members (remind_next_at) WHERE remind_next_at IS NOT NULL;

-- A private study session: its order is fixed at the start; each click re-reads this row.
CREATE TABLE study_sessions (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    topic       TEXT,
    lang        TEXT    NOT NULL,
    item_ids    TEXT    NOT NULL,                                -- JSON list, in order
    new_ids     TEXT    NOT NULL DEFAULT '[]',                   -- JSON list: the ones that were new
    position    INTEGER NOT NULL DEFAULT 1,                      -- 1-based, the card shown
    phase       TEXT    NOT NULL DEFAULT 'ask' CHECK (phase IN ('ask', 'shown', 'answered', 'done')),
    last_choice INTEGER,                                         -- the choice picked on the current card
    last_rating INTEGER,                                         -- the rating given on the current card
    reviewed    INTEGER NOT NULL DEFAULT 0,
    correct     INTEGER NOT NULL DEFAULT 0,
    shown_at    INTEGER NOT NULL,                                -- when the current card was shown
    created_at  INTEGER NOT NULL,
    ended_at    INTEGER
);
CREATE INDEX study_sessions_member ON study_sessions (guild_id, user_id, created_at);

-- FSRS parameters fitted to a server's own review log (`quizbot study optimize`, from 1,000 reviews
-- on); a server without a row is scheduled with py-fsrs's default parameters.
CREATE TABLE fsrs_parameters (
    guild_id   INTEGER PRIMARY KEY,
    parameters TEXT    NOT NULL,                                 -- JSON list of the 21 FSRS-6 weights
    reviews    INTEGER NOT NULL,                                 -- review log entries it was fitted on
    fitted_at  INTEGER NOT NULL
);
