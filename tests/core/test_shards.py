"""Which process owns which server: Discord's shard formula and the Ownership a process runs with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.shards import DIVISOR, Ownership, shard_of


def guild_on(shard: int, count: int, n: int = 0) -> int:
    """A realistic guild id (a 2020s snowflake) that Discord sends to ``shard`` of ``count``."""
    base = 300_000_000_000 - 300_000_000_000 % count  # a multiple of count
    return ((base + shard + n * count) << 22) + 4_194_000


def test_shard_of_is_discords_formula_on_known_ids() -> None:
    # (id >> 22) % count: 81384788765712384 >> 22 = 19403645698 (its creation time in ms since 2015).
    assert 81384788765712384 >> 22 == 19403645698
    assert shard_of(81384788765712384, 1) == 0
    assert shard_of(81384788765712384, 2) == 0
    assert shard_of(81384788765712384, 5) == 3
    assert shard_of((7 << 22) + 4_194_303, 4) == 3  # the low 22 bits never move a server
    assert shard_of(7 << 22, 4) == 3


def test_guild_zero_the_dm_decks_is_shard_zeros() -> None:
    for count in (1, 2, 3, 16):
        assert shard_of(0, count) == 0
    assert Ownership.of(2, [0]).owns(0)
    assert not Ownership.of(2, [1]).owns(0)


@given(st.integers(min_value=0, max_value=2**63 - 1), st.integers(min_value=1, max_value=4096))
def test_the_sql_form_is_the_same_number(guild_id: int, count: int) -> None:
    # bot/storage/shards.py filters with (guild_id / 4194304) % count: integer division.
    assert shard_of(guild_id, count) == (guild_id // DIVISOR) % count


def test_each_server_has_exactly_one_owner_among_the_processes() -> None:
    processes = [Ownership.of(4, [0, 1]), Ownership.of(4, [2]), Ownership.of(4, [3])]
    for shard in range(4):
        for n in range(5):
            guild = guild_on(shard, 4, n)
            assert shard_of(guild, 4) == shard
            assert [p.owns(guild) for p in processes].count(True) == 1


def test_ownership_from_the_settings() -> None:
    everything = Ownership.of(None, None)
    assert everything == Ownership.everything()
    assert everything.owns_all and everything.runs_first_shard
    assert everything.owns(guild_on(1, 2)) and everything.owns(0)
    assert everything.describe() == "all servers"

    every_shard_here = Ownership.of(3, None)  # SHARD_COUNT alone: this process runs them all
    assert every_shard_here.ids == frozenset({0, 1, 2}) and every_shard_here.owns_all

    second = Ownership.of(2, [1])
    assert not second.owns_all and not second.runs_first_shard
    assert second.owns(guild_on(1, 2)) and not second.owns(guild_on(0, 2))
    assert second.describe() == "shards 1 of 2"
    assert Ownership.of(4, [2, 0]).describe() == "shards 0,2 of 4"


@pytest.mark.parametrize(("count", "ids"), [(0, [0]), (2, [2]), (2, [-1]), (2, []), (None, [0])])
def test_impossible_ownerships_are_refused(count: int | None, ids: list[int]) -> None:
    with pytest.raises(ValueError):
        Ownership.of(count, ids)


def test_negative_ids_and_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        shard_of(-1, 2)
    with pytest.raises(ValueError):
        shard_of(1, 0)


def test_a_process_takes_its_shards_share_of_what_is_per_bot() -> None:
    assert Ownership.everything().share == 1.0
    assert Ownership.of(4, [1]).share == 0.25
    assert Ownership.of(4, [0, 3]).share == 0.5
    assert Ownership.of(4, None).share == 1.0
