-- 0007: the server's interface language, issue 19 (twin of migrations/0007_ui_language.sql).
ALTER TABLE guild_settings ADD COLUMN ui_language TEXT CHECK (ui_language IS NULL OR ui_language IN ('en', 'zh'));
