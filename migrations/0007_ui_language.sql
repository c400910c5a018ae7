-- 0007: the server's interface language (issue 19), for what the bot posts publicly.
--
-- NULL: not chosen; the bot then follows the server's own preferred locale (Discord's Server
-- Settings), read live, so a server that switches Discord to Chinese gets Chinese posts at once.
-- 'en' or 'zh': chosen with /settings set ui_language.
ALTER TABLE guild_settings ADD COLUMN ui_language TEXT CHECK (ui_language IS NULL OR ui_language IN ('en', 'zh'));
