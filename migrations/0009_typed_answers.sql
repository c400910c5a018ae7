-- 0009: typed answers (issue 18): short-answer questions played with an Answer button and a box.
--
-- A typed quiz and its rounds are stored with mode 'buttons' (members answer through a button)
-- and typed = 1; bot/storage/quizzes.py reads the pair back as AnswerMode.TYPED. Widening the
-- CHECK on `mode` instead would mean rebuilding quiz_sessions and rounds (SQLite cannot alter a
-- CHECK), with foreign keys off and every column other migrations add to them copied by name.
ALTER TABLE quiz_sessions ADD COLUMN typed INTEGER NOT NULL DEFAULT 0 CHECK (typed IN (0, 1));
ALTER TABLE rounds ADD COLUMN typed INTEGER NOT NULL DEFAULT 0 CHECK (typed IN (0, 1));

-- What a member typed, as given (at most 100 characters, the answer box's limit). A typed
-- answer has no letter: its `choice` and `bank_choice` are -1. NULL for every answer by letter.
ALTER TABLE answers ADD COLUMN typed_text TEXT;
