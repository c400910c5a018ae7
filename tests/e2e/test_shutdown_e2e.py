"""The real entry point, stopped the way an operator stops it: SIGTERM (docker stop) and SIGINT.

``python -m bot`` runs as a subprocess against the stand-in (which runs in the test's event
loop), exactly as in production but for its endpoints. A member starts a question and answers
it, then the process gets the signal: it must exit 0 within seconds, log a clean shutdown, print
no traceback, save the queued answer, and leave the database closed cleanly with the quiz still
running in it, for the next start to resume. (``python -m bot`` without a token is in
tests/test_cli.py.) The process helper is tests/e2e/processes.py; the ``launch`` fixture is in
tests/e2e/conftest.py.
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.processes import START_WITHIN, STOP_WITHIN, BotProcess
from tests.fakediscord import FakeDiscord, Message, StudyServer

pytestmark = pytest.mark.e2e


def _question(fake: FakeDiscord, world: StudyServer) -> Message | None:
    for m in fake.channel_messages(world.channel):
        if m.embeds and m.embeds[0].get("title", "").startswith("Question") and len(m.reactions) == 4:
            return m
    return None


async def _quiz_in_flight(fake: FakeDiscord, world: StudyServer) -> Message:
    """Alice starts a question, Bob answers it; returns once the bot has received the answer."""
    started = await world.alice.slash("quiz question", topic="lora", seconds=60, mode="reactions")
    assert started.message is not None and "started a question" in started.message.content
    question = await fake.wait_for(lambda: _question(fake, world), what="the question with its reactions")
    await world.bob.react(question, "🇦")
    await fake.wait_delivered()  # the bot has the reaction; its answer is queued or saved
    return question


def _assert_clean_exit(bot: BotProcess, code: int, took: float, sig: signal.Signals) -> None:
    assert code == 0, f"exit code {code} after {sig.name}:\n{bot.log}"
    assert took < STOP_WITHIN, f"{took:.1f} s to stop after {sig.name}:\n{bot.log}"
    assert bot.has(r"bot\.runner: stop signal received; shutting down"), bot.log
    assert bot.has(r"bot\.runner: shut down cleanly$"), bot.log
    assert bot.has(r"bot\.storage\.database: database closed: "), bot.log
    assert "Traceback" not in bot.log, bot.log
    for bad in (
        r" (ERROR|CRITICAL) ",
        r"Unclosed ",
        r"Task was destroyed",
        r"never retrieved",
        r"background task",
    ):
        assert not bot.has(bad), f"{bad!r} in the log:\n{bot.log}"


def _assert_database_ready_to_resume(db: Path, question: Message, bob_id: int) -> None:
    # The last connection to close checkpoints the WAL into the file and deletes it: a database
    # left open (or a process killed) leaves the -wal file behind.
    assert not db.with_name(db.name + "-wal").exists(), "the database was not closed cleanly"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT kind, status FROM quiz_sessions").fetchall() == [("single", "running")]
        rounds = conn.execute("SELECT message_id, status FROM rounds").fetchall()
        assert rounds == [(question.id, "open")], "the open question must be there to resume"
        answers = conn.execute("SELECT user_id, choice FROM answers").fetchall()
        assert answers == [(bob_id, 0)], "the answer queued at the signal must be saved"
    finally:
        conn.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_the_bot_cleanly_mid_quiz(
    fake: FakeDiscord, world: StudyServer, launch: BotProcess, sig: signal.Signals
) -> None:
    bot = launch
    await bot.wait_log(r"bot\.runner: ready: logged in as ", timeout=START_WITHIN)
    assert fake.synced_command_names(world.guild), "the bot synced its commands to DEV_GUILD_ID"
    question = await _quiz_in_flight(fake, world)

    code, took = await bot.stop(sig)

    _assert_clean_exit(bot, code, took, sig)
    await fake.wait_for(lambda: not fake.gateway.is_connected(), timeout=2, what="the gateway to be closed")
    _assert_database_ready_to_resume(bot.db, question, world.bob.id)


async def test_a_signal_before_ready_stops_the_bot_cleanly_mid_quiz(
    fake: FakeDiscord, world: StudyServer, launch: BotProcess
) -> None:
    bot = launch
    await fake.wait_for(
        lambda: fake.gateway.identifies == 1, timeout=START_WITHIN, what="the bot to identify"
    )
    question = await _quiz_in_flight(fake, world)  # discord.py waits 2 s after the guilds for READY
    if bot.has(r"bot\.runner: ready: "):
        pytest.skip("the machine was too slow to stop the bot before READY")

    code, took = await bot.stop(signal.SIGTERM)

    _assert_clean_exit(bot, code, took, signal.SIGTERM)
    _assert_database_ready_to_resume(bot.db, question, world.bob.id)
