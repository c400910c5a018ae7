-- 0011: the language of a member's study reminders, issue 19 (twin of migrations/0011_member_language.sql).
ALTER TABLE study_members ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'zh', 'zh_TW'));
