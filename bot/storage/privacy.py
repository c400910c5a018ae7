"""Everything kept about one member in one server, counted and deleted together.

Modelled on Red-DiscordBot's data-deletion hook: the member's answers, score aggregates of every
period (seasons and archived boards included), topic accuracy, streaks, cached display name and
team rows, and the tutor's cards, review log, settings and study sessions go in one transaction.
Other servers are untouched.
"""

from __future__ import annotations

from bot.core.i18n import N_
from bot.storage.database import Connection, Database

# (what, count statement, delete statement); every statement takes (guild_id, user_id). ``what``
# is an English msgid: /privacy shows it translated.
_TABLES: tuple[tuple[str, str, str], ...] = tuple(
    (what, f"SELECT COUNT(*) FROM {frm} WHERE {where}", f"DELETE FROM {frm} WHERE {where}")
    for what, frm, where in (
        (N_("answers"), "answers", "guild_id = ? AND user_id = ?"),
        (N_("scores waiting for a reveal"), "pending_scores", "guild_id = ? AND user_id = ?"),
        (N_("scores"), "scores", "guild_id = ? AND user_id = ?"),
        (
            N_("archived scores"),
            "score_archive_rows",
            "archive_id IN (SELECT id FROM score_archives WHERE guild_id = ?) AND user_id = ?",
        ),
        (N_("topic scores"), "topic_scores", "guild_id = ? AND user_id = ?"),
        (N_("streaks"), "streaks", "guild_id = ? AND user_id = ?"),
        (N_("names"), "members", "guild_id = ? AND user_id = ?"),
        (N_("team memberships"), "team_members", "guild_id = ? AND user_id = ?"),
        (N_("question reports"), "item_reports", "guild_id = ? AND user_id = ?"),
        (
            N_("competition scores"),
            "competition_scores",
            "competition_id IN (SELECT id FROM competitions WHERE guild_id = ?) AND user_id = ?",
        ),
        # The tutor (issue 16): the member's deck here, its review log, settings and sessions.
        (N_("reviews"), "review_log", "guild_id = ? AND user_id = ?"),
        (N_("study cards"), "cards", "guild_id = ? AND user_id = ?"),
        (N_("study settings"), "study_members", "guild_id = ? AND user_id = ?"),
        (N_("study sessions"), "study_sessions", "guild_id = ? AND user_id = ?"),
    )
)


class PrivacyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def footprint(self, guild_id: int, user_id: int) -> dict[str, int]:
        """How many rows of each kind are kept about the member here (only kinds with any)."""
        found: dict[str, int] = {}
        for what, count, _delete in _TABLES:
            row = await self._db.fetch_one(count, (guild_id, user_id))
            if row is not None and row[0]:
                found[what] = int(row[0])
        return found

    @staticmethod
    async def forget(conn: Connection, guild_id: int, user_id: int) -> dict[str, int]:
        """Delete the member's rows in the server; returns how many of each kind went.

        Call inside a transaction so the member disappears everywhere at once or not at all.
        """
        deleted: dict[str, int] = {}
        for what, _count, delete in _TABLES:
            cur = await conn.execute(delete, (guild_id, user_id))
            if cur.rowcount:
                deleted[what] = cur.rowcount
        return deleted
