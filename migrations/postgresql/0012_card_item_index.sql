-- 0012: the per-item index of cards names the member too, issue 15 (twin of migrations/0012_card_item_index.sql).
DROP INDEX cards_guild_item;
CREATE INDEX cards_guild_item ON cards (guild_id, item_id, user_id);
