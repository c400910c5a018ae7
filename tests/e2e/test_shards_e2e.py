"""The bot's shards against a sharded stand-in (issue 15): SHARD_COUNT and SHARD_IDS, automatic
sharding when they are unset, and the slash commands synced by the process running shard 0 only.

Two servers, one on each shard of two. Two bot processes are two QuizBots in this test's loop, on
one database (both backends), each with the settings a process of its own would have.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import QuizBot, create_bot
from bot.core.errors import UserFacingError
from bot.core.shards import Ownership
from bot.settings import Settings
from tests.fakediscord import BotHarness, FakeDiscord, StudyServer, discord_py_endpoints, study_server
from tests.fakediscord.harness import DEFAULT_LOGGERS, USER_ERRORS


@pytest.fixture
async def sharded() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(shard_count=2, max_concurrency=2) as fake:
        yield fake
    fake.check()


@pytest.fixture
def servers(sharded: FakeDiscord) -> tuple[StudyServer, StudyServer]:
    return study_server(sharded, shard=0, name="Alpha"), study_server(sharded, shard=1, name="Beta")


Start = Callable[..., Any]


@pytest.fixture
async def start_process(
    sharded: FakeDiscord, servers: tuple[StudyServer, StudyServer], tmp_path: Path, database_url: str
) -> AsyncIterator[Start]:
    """``await start_process(**settings)``: one bot process (SHARD_COUNT=..., SHARD_IDS=...), ready."""
    harnesses: list[BotHarness] = []
    alpha, _beta = servers

    async def start(**overrides: Any) -> QuizBot:
        values: dict[str, Any] = {
            "discord_token": sharded.token,
            "database_path": tmp_path / "quiz.db",
            "database_url": database_url if database_url.startswith("postgresql://") else None,
            "discord_api_base": sharded.api_base,
            "discord_gateway_url": sharded.gateway_url,
            "dev_guild_id": alpha.guild.id,
            **overrides,
        }
        bot = await create_bot(Settings(_env_file=None, **values), guild_ready_timeout=0.05)
        harness = BotHarness(
            sharded,
            bot,
            loggers=(*DEFAULT_LOGGERS, "bot", "cogs"),
            expected_errors=(*USER_ERRORS, UserFacingError),
        )
        harnesses.append(harness)
        await harness.start()
        return bot

    with discord_py_endpoints():
        yield start
        for harness in reversed(harnesses):
            await harness.stop()


async def test_unset_the_process_runs_every_shard_discord_recommends(
    sharded: FakeDiscord, servers: tuple[StudyServer, StudyServer], start_process: Start
) -> None:
    alpha, beta = servers
    bot = await start_process()
    assert bot.shard_count == 2  # from GET /gateway/bot
    assert sorted(bot.shards) == [0, 1]
    assert {g.id for g in bot.guilds} == {alpha.guild.id, beta.guild.id}
    assert bot.owner == Ownership.everything()
    assert "quiz" in sharded.synced_command_names(alpha.guild)


async def test_each_process_runs_its_shards_and_only_shard_zero_s_syncs_the_commands(
    sharded: FakeDiscord,
    servers: tuple[StudyServer, StudyServer],
    start_process: Start,
) -> None:
    alpha, beta = servers
    second = await start_process(shard_count=2, shard_ids=[1])
    assert second.shard_count == 2 and second.shard_ids == [1]
    assert {g.id for g in second.guilds} == {beta.guild.id}
    assert second.owner == Ownership.of(2, [1])
    assert sharded.synced_command_names(alpha.guild) == []  # shard 1's process does not sync
    assert second.synced_commands is None

    first = await start_process(shard_count=2, shard_ids=[0])
    assert {g.id for g in first.guilds} == {alpha.guild.id}
    assert "quiz" in sharded.synced_command_names(alpha.guild)
    assert first.synced_commands is not None
    assert first.leases.holder != second.leases.holder
    assert sorted(s.shard for s in sharded.gateway.live_sessions) == [(0, 2), (1, 2)]
