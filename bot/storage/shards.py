"""The SQL side of shard ownership (:class:`bot.core.shards.Ownership`): a process reads only the due
work of the servers it owns.

``(guild_id / 4194304) % count`` is Discord's ``(guild_id >> 22) % count`` for a non-negative id,
in integer arithmetic both SQLite and PostgreSQL (BIGINT) evaluate the same way. The numbers are
the settings' validated integers, written into the statement (formatted by ``int``, never text).
"""

from __future__ import annotations

from bot.core.shards import DIVISOR, Ownership


def owned(owner: Ownership | None, column: str = "guild_id") -> str:
    """`` AND <column's shard> IN (<owned shards>)``; empty when the process owns every server."""
    if owner is None or owner.owns_all:
        return ""
    ids = ", ".join(str(int(i)) for i in sorted(owner.ids))
    return f" AND ({column} / {int(DIVISOR)}) % {int(owner.count)} IN ({ids})"
