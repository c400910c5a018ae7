"""Which process owns which server: Discord's shard formula. Pure.

Discord sends a server's gateway events to shard ``(guild_id >> 22) % shard_count``. A process
that runs some of the shards handles those servers' events, and takes from the shared database
only the due work of those servers (questions of the day, reveals, season and competition ends,
study reminders, quiz recovery). Guild 0 (private decks studied in DMs) is shard 0's by the same
formula, so the process running shard 0 owns it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SHIFT = 22  # the guild id's top bits are its creation time; Discord shards on them
DIVISOR = 1 << SHIFT  # ``guild_id >> 22`` is ``guild_id / 4194304`` for a non-negative id (SQL)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that receives ``guild_id``'s events (Discord's formula)."""
    if shard_count < 1:
        raise ValueError("shard_count must be at least 1")
    if guild_id < 0:
        raise ValueError("guild ids are never negative")
    return (guild_id >> SHIFT) % shard_count


@dataclass(frozen=True, slots=True)
class Ownership:
    """The shards a process runs, out of ``count``: it owns their servers' events and due work."""

    count: int
    ids: frozenset[int]

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("shard count must be at least 1")
        if not self.ids:
            raise ValueError("a process runs at least one shard")
        wrong = sorted(i for i in self.ids if not 0 <= i < self.count)
        if wrong:
            raise ValueError(f"shards {wrong} are not shards of {self.count}")

    @classmethod
    def everything(cls) -> Ownership:
        """One process for the whole bot (automatic sharding, or every shard in this process)."""
        return cls(1, frozenset({0}))

    @classmethod
    def of(cls, shard_count: int | None, shard_ids: Iterable[int] | None) -> Ownership:
        """From the settings: no count is one process owning all; a count without ids, every shard."""
        if shard_count is None:
            if shard_ids is not None:
                raise ValueError("shard ids need a shard count")
            return cls.everything()
        ids = frozenset(range(shard_count)) if shard_ids is None else frozenset(shard_ids)
        return cls(shard_count, ids)

    @property
    def owns_all(self) -> bool:
        return len(self.ids) == self.count

    @property
    def runs_first_shard(self) -> bool:
        """The process running shard 0: it syncs the slash commands and owns DM decks (guild 0)."""
        return 0 in self.ids

    @property
    def share(self) -> float:
        """This process's part of the bot's shards: its share of what is per bot, not per process,
        such as Discord's global rate limit (50 requests/s per bot token, whatever the shards)."""
        return len(self.ids) / self.count

    def owns(self, guild_id: int) -> bool:
        return self.owns_all or shard_of(guild_id, self.count) in self.ids

    def describe(self) -> str:
        if self.owns_all and self.count == 1:
            return "all servers"
        return f"shards {','.join(str(i) for i in sorted(self.ids))} of {self.count}"
