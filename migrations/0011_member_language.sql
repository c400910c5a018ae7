-- 0011: the language a member reads their study reminders in (issue 19).
--
-- A reminder is a DM sent outside any interaction, so the member's Discord locale is not at hand
-- then. This keeps the interface language of their Discord client ('en', 'zh' or 'zh_TW', see
-- bot/core/i18n.py) as it was when they last turned reminders on or started a study session
-- with reminders on. NULL: not known (set before this version); the server's language is used.
ALTER TABLE study_members ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'zh', 'zh_TW'));
