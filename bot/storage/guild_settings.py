"""Per-server settings: one row per guild, defaults until an admin changes something."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.core.vocabulary import AnswerMode
from bot.storage.database import Connection, Database, Row


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    timezone: str = "UTC"
    answer_mode: AnswerMode = AnswerMode.REACTIONS
    hidden_answers: bool = False
    default_seconds: int = 20
    default_language: str = "en"
    speed_bonus: bool = True
    show_counts: bool = True
    topics_enabled: tuple[str, ...] | None = field(default=None)
    ui_language: str | None = None  # None: follow the server's preferred locale


def _row_to_settings(row: Row) -> GuildSettings:
    topics = row["topics_enabled"]
    return GuildSettings(
        guild_id=int(row["guild_id"]),
        timezone=str(row["timezone"]),
        answer_mode=AnswerMode(row["answer_mode"]),
        hidden_answers=bool(row["hidden_answers"]),
        default_seconds=int(row["default_seconds"]),
        default_language=str(row["default_language"]),
        speed_bonus=bool(row["speed_bonus"]),
        show_counts=bool(row["show_counts"]),
        topics_enabled=tuple(json.loads(topics)) if topics else None,
        ui_language=row["ui_language"],
    )


class GuildSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> GuildSettings:
        """The server's settings, or the defaults when it never changed any."""
        row = await self._db.fetch_one("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return GuildSettings(guild_id=guild_id) if row is None else _row_to_settings(row)

    @staticmethod
    async def save(conn: Connection, settings: GuildSettings, now_ms: int) -> None:
        """Insert or replace every column of the server's settings."""
        await conn.execute(
            """
            INSERT INTO guild_settings (guild_id, timezone, answer_mode, hidden_answers, default_seconds,
                default_language, speed_bonus, show_counts, topics_enabled, ui_language, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET
                timezone = excluded.timezone, answer_mode = excluded.answer_mode,
                hidden_answers = excluded.hidden_answers, default_seconds = excluded.default_seconds,
                default_language = excluded.default_language, speed_bonus = excluded.speed_bonus,
                show_counts = excluded.show_counts, topics_enabled = excluded.topics_enabled,
                ui_language = excluded.ui_language, updated_at = excluded.updated_at
            """,
            (
                settings.guild_id,
                settings.timezone,
                settings.answer_mode,
                int(settings.hidden_answers),
                settings.default_seconds,
                settings.default_language,
                int(settings.speed_bonus),
                int(settings.show_counts),
                json.dumps(list(settings.topics_enabled)) if settings.topics_enabled is not None else None,
                settings.ui_language,
                now_ms,
            ),
        )
