-- 0005: choices posted in a fresh order at every posting (issue 12).
--
-- rounds.choice_order is the order a round's choices were posted in, as text "2,0,3,1":
-- order[posted position] = bank index, so posted A showed bank choice 2 (bot/core/shuffle.py).
-- It is drawn once, when the round is created, and read back after a restart so the reactions,
-- buttons and reveal keep speaking the letters members saw. NULL means bank order: every round
-- posted before this migration (and an item whose order is fixed is stored as "0,1,...").
ALTER TABLE rounds ADD COLUMN choice_order TEXT CHECK (choice_order IS NULL OR choice_order GLOB '[0-9]*');

-- Two indexes per answer, which are which:
--   answers.choice       the POSTED index: the letter the member picked as it was shown (A = 0).
--                        Unchanged in meaning: it is what the member reacted or clicked, what
--                        "You already answered B" repeats and what the reveal's counts add up.
--   answers.bank_choice  the BANK index of that same choice (the item's own A = 0), the same at
--                        every posting, so statistics can compare answers across postings.
-- Every posting before this migration was in bank order, so the two are equal for old rows. The
-- column is nullable only because SQLite cannot add a NOT NULL column without a default; every
-- answer written from this version on has it.
ALTER TABLE answers ADD COLUMN bank_choice INTEGER;
UPDATE answers SET bank_choice = choice;
