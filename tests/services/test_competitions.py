"""Teams and competitions on a real SQLite file: membership rules, the answer path's team scores,
both scorings, ending exactly once (on schedule, late, by command), several servers, a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.competitions import CompetitionRunningError, NoCompetitionError
from bot.core.errors import ConflictError, NotFoundError, UserFacingError
from bot.services.answer_writer import AnswerWriter
from bot.services.competitions import CompetitionEnded, CompetitionService
from bot.services.privacy import PrivacyService
from bot.services.teams import TeamService
from bot.storage.answers import AnswerRepository
from bot.storage.database import Database
from bot.tasks import TaskRunner
from tests.services.leaderboard_helpers import A, new_answers

G1, G2 = 1, 2
ROLE_BLUE = 900


@dataclass
class Recorder:
    ended: list[CompetitionEnded] = field(default_factory=list)

    async def announce_end(self, ended: CompetitionEnded) -> None:
        self.ended.append(ended)


@dataclass
class World:
    db: Database
    clock: FakeClock
    writer: AnswerWriter
    tasks: TaskRunner
    teams: TeamService
    competitions: CompetitionService
    presenter: Recorder

    async def answer(self, guild_id: int, user_id: int, points: int, roles: tuple[int, ...] = ()) -> None:
        """An answer as the quiz service records it: the team resolved from the cache at answer time."""
        (row,) = await new_answers(
            self.db, self.clock, [A(user_id, points, guild_id=guild_id, name=f"u{user_id}")]
        )
        team = self.teams.team_of(guild_id, user_id, roles)
        if team is not None:
            row = replace(row, competition_id=team[0], team_id=team[1])
        await self.writer.submit(row)

    async def restart(self) -> World:
        await self.writer.stop()
        return make_world(self.db, self.clock)

    async def close(self) -> None:
        await self.writer.stop()
        await self.tasks.drain(grace=1)


def make_world(db: Database, clock: FakeClock | None = None) -> World:
    clock = clock or FakeClock()
    tasks = TaskRunner()
    writer = AnswerWriter(db, tasks)
    writer.start()
    teams = TeamService(db, clock)
    competitions = CompetitionService(db, clock, writer, teams)
    presenter = Recorder()
    competitions.presenter = presenter
    return World(db, clock, writer, tasks, teams, competitions, presenter)


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    w = make_world(db)
    await w.teams.load()
    yield w
    await w.close()


async def two_teams(w: World, guild_id: int = G1) -> None:
    await w.teams.create(guild_id=guild_id, name="Owls")
    await w.teams.create(guild_id=guild_id, name="Blue", role_id=ROLE_BLUE, role_name="@Blue")


async def test_save_batch_adds_answers_to_their_team_in_the_competition(db: Database) -> None:
    clock = FakeClock()
    w = make_world(db, clock)
    await w.teams.load()
    try:
        await two_teams(w)
        owls = w.teams.find(G1, "owls")
        comp = await w.competitions.start(guild_id=G1, channel_id=5, user_id=1, name="Cup", duration="1h")
        rows = await new_answers(db, clock, [A(10, 800), A(10, 0, correct=False), A(11, 500), A(12, 300)])
        rows = [replace(r, competition_id=comp.id, team_id=owls.id) for r in rows[:3]] + [rows[3]]
        assert await db.write(AnswerRepository.save_batch, rows) == [True, True, True, True]
        # The same round answered twice is not counted twice.
        assert await db.write(AnswerRepository.save_batch, rows[:1]) == [False]
        scores = await db.fetch_all(
            "SELECT user_id, points, answered, correct FROM competition_scores WHERE competition_id = ? "
            "AND team_id = ? ORDER BY user_id",
            (comp.id, owls.id),
        )
        assert [tuple(r) for r in scores] == [(10, 800, 2, 1), (11, 500, 1, 1)]  # user 12 had no team
    finally:
        await w.close()


async def test_scores_of_a_deferred_answer_wait_for_the_reveal_and_count_once(db: Database) -> None:
    clock = FakeClock()
    w = make_world(db, clock)
    await w.teams.load()
    try:
        await two_teams(w)
        owls = w.teams.find(G1, "owls")
        cup = await w.competitions.start(guild_id=G1, channel_id=5, user_id=1, name="Cup", duration="1h")
        rows = await new_answers(db, clock, [A(10, 800), A(11, 500)])
        rows = [
            replace(r, competition_id=cup.id, team_id=owls.id, defer_scores=True, daily_date="2026-01-05")
            for r in rows
        ]
        assert await db.write(AnswerRepository.save_batch, rows) == [True, True]
        # Stored (nothing lost, a second answer refused) but on no board yet, named for the reveal.
        assert await db.write(AnswerRepository.save_batch, rows[:1]) == [False]
        assert len(await db.fetch_all("SELECT 1 FROM answers")) == 2
        for table in ("scores", "competition_scores", "topic_scores", "streaks"):
            assert await db.fetch_all(f"SELECT 1 FROM {table}") == [], table
        assert len(await db.fetch_all("SELECT 1 FROM members WHERE user_id IN (10, 11)")) == 2

        assert await db.write(AnswerRepository.release_scores, rows[0].round_id) == 1
        assert await db.write(AnswerRepository.release_scores, rows[0].round_id) == 0  # once only
        # The competition ends before the second question is revealed: its final table stays as it was.
        await w.competitions.end(G1)
        assert await db.write(AnswerRepository.release_scores, rows[1].round_id) == 1
        board = await db.fetch_all(
            "SELECT user_id, points FROM scores WHERE period_kind = 'all' ORDER BY user_id"
        )
        assert [tuple(r) for r in board] == [(10, 800), (11, 500)]
        team = await db.fetch_all("SELECT user_id, points FROM competition_scores ORDER BY user_id")
        assert [tuple(r) for r in team] == [(10, 800)]
        streak = await db.fetch_one(
            "SELECT daily_current, last_daily_date, correct_current FROM streaks WHERE user_id = 11"
        )
        # The day streak only: applied hours late, it must not touch the right-in-a-row run.
        assert streak is not None and tuple(streak) == (1, "2026-01-05", 0)
        assert await db.fetch_all("SELECT 1 FROM pending_scores") == []
    finally:
        await w.close()


async def test_answers_after_the_end_time_score_for_no_team_even_before_the_wake_up(world: World) -> None:
    await two_teams(world)
    await world.teams.join(guild_id=G1, user_id=10, name="Owls")
    cup = await world.competitions.start(guild_id=G1, channel_id=5, user_id=1, name="Cup", duration="1h")
    assert world.teams.team_of(G1, 10, ()) == (cup.id, world.teams.find(G1, "owls").id)
    world.clock.advance(timedelta(hours=1))  # its end has come; the minute's wake-up has not run yet
    assert world.competitions.running(G1) is not None
    assert world.teams.team_of(G1, 10, ()) is None


async def test_membership_explicit_wins_over_a_role_and_one_team_at_a_time(world: World) -> None:
    await two_teams(world)
    owls, blue = world.teams.find(G1, "OWLS"), world.teams.find(G1, "blue")
    assert world.teams.member_team_id(G1, 10, (ROLE_BLUE,)) == blue.id  # from the role
    await world.teams.join(guild_id=G1, user_id=10, name=" owls ")
    assert world.teams.member_team_id(G1, 10, (ROLE_BLUE,)) == owls.id  # explicit wins
    assert world.teams.team_of(G1, 10, ()) is None  # no competition runs

    with pytest.raises(ConflictError, match="already on"):
        await world.teams.join(guild_id=G1, user_id=10, name="Owls")
    await world.teams.create(guild_id=G1, name="Foxes")
    with pytest.raises(ConflictError, match="`/team leave` it first"):
        await world.teams.join(guild_id=G1, user_id=10, name="Foxes")
    with pytest.raises(UserFacingError, match=f"<@&{ROLE_BLUE}>"):
        await world.teams.join(guild_id=G1, user_id=11, name="Blue")
    with pytest.raises(UserFacingError, match="through the"):
        await world.teams.leave(guild_id=G1, user_id=11, role_ids=(ROLE_BLUE,))
    with pytest.raises(NotFoundError):
        await world.teams.leave(guild_id=G1, user_id=11)
    assert (await world.teams.leave(guild_id=G1, user_id=10)).id == owls.id
    await world.teams.join(guild_id=G1, user_id=10, name="foxes")

    # Names are unique per server whatever the case; other servers may reuse them.
    with pytest.raises(ConflictError, match="already has a team"):
        await world.teams.create(guild_id=G1, name="  owls")
    with pytest.raises(ConflictError, match="already makes up"):
        await world.teams.create(guild_id=G1, name="Navy", role_id=ROLE_BLUE)
    with pytest.raises(UserFacingError):
        await world.teams.create(guild_id=G1, name="x" * 33)
    await world.teams.create(guild_id=G2, name="Owls")
    with pytest.raises(NotFoundError):
        await world.teams.join(guild_id=G2, user_id=10, name="Foxes")

    # The cache is rebuilt the same from the database.
    again = TeamService(world.db, world.clock)
    await again.load()
    assert again.member_team_id(G1, 10) == world.teams.find(G1, "Foxes").id
    assert again.member_team_id(G1, 11, (ROLE_BLUE,)) == blue.id
    assert [t.name for t in again.teams(G2)] == ["Owls"]


async def test_total_and_average_scoring_through_the_answer_path(world: World) -> None:
    await two_teams(world)
    for user in (10, 11, 12):
        await world.teams.join(guild_id=G1, user_id=user, name="Owls")
    await world.teams.join(guild_id=G1, user_id=13, name="Owls")  # on the team but never answers

    for scoring, expected_winner in (("total", "Owls"), ("average", "Blue")):
        comp = await world.competitions.start(
            guild_id=G1, channel_id=5, user_id=1, name=f"Cup {scoring}", duration="2h", scoring=scoring
        )
        for user in (10, 11, 12):
            await world.answer(G1, user, 600)  # Owls: 1,800 from 3 active members (600 each)
        await world.answer(G1, 20, 900, roles=(ROLE_BLUE,))  # Blue: 900 from its one active member
        await world.answer(G1, 21, 0, roles=(999,))  # on no team: counts for nobody
        standings = await world.competitions.standings(G1)
        assert standings.competition.id == comp.id and not standings.final
        table = [(s.rank, s.name, s.points, s.active_members) for s in standings.table]
        if scoring == "total":
            assert table == [(1, "Owls", 1800, 3), (2, "Blue", 900, 1)]
        else:
            assert table == [(1, "Blue", 900, 1), (2, "Owls", 1800, 3)]
            assert standings.table[1].score == 600  # member 13 is on the team but not active
        assert [w.name for w in standings.winners] == [expected_winner]
        owls = world.teams.find(G1, "Owls").id
        assert [m.display_name for m in standings.best[owls]] == ["u10", "u11", "u12"]
        ended = await world.competitions.end(G1)
        assert ended.standings.final and not ended.on_schedule
        assert [w.name for w in ended.standings.winners] == [expected_winner]
    assert world.presenter.ended == []  # /competition end replies itself; only the wake-up announces


async def test_one_running_per_server_and_several_servers_at_once(world: World) -> None:
    with pytest.raises(ConflictError, match="at least 2 teams"):
        await world.competitions.start(guild_id=G1, channel_id=5, user_id=1, name="Cup", duration="1h")
    await two_teams(world, G1)
    await two_teams(world, G2)
    await world.competitions.start(guild_id=G1, channel_id=5, user_id=1, name="Cup", duration="1h")
    with pytest.raises(CompetitionRunningError, match="Cup"):
        await world.competitions.start(guild_id=G1, channel_id=5, user_id=1, name="Other", duration="1h")
    second = await world.competitions.start(guild_id=G2, channel_id=6, user_id=1, name="Cup", duration="3h")
    await world.answer(G2, 10, 500, roles=(ROLE_BLUE,))
    await world.answer(G1, 10, 100, roles=(ROLE_BLUE,))
    assert world.teams.team_of(G2, 10, (ROLE_BLUE,)) == (second.id, world.teams.find(G2, "Blue").id)

    world.clock.advance(timedelta(hours=1))
    ended = await world.competitions.end_due()
    assert [e.competition.guild_id for e in ended] == [G1]
    assert ended[0].on_schedule and not ended[0].late
    assert [e.competition.id for e in world.presenter.ended] == [ended[0].competition.id]
    assert await world.competitions.end_due() == []  # exactly once
    assert world.competitions.running(G1) is None and world.competitions.running(G2) is not None
    with pytest.raises(NoCompetitionError):
        await world.competitions.end(G1)
    # An ended name is not reused; a new competition may start.
    with pytest.raises(ConflictError, match="already had"):
        await world.competitions.start(guild_id=G1, channel_id=5, user_id=1, name="cup", duration="1h")
    # The final table stays readable, by name too; G2's points are G2's.
    final = await world.competitions.standings(G1, "cup")
    assert final.final and [(s.name, s.points) for s in final.table] == [("Blue", 100), ("Owls", 0)]
    live = await world.competitions.standings(G2)
    assert not live.final and live.table[0].points == 500


async def test_a_competition_due_while_down_ends_late_at_the_next_start(world: World) -> None:
    await two_teams(world)
    await world.competitions.start(guild_id=G1, channel_id=5, user_id=1, name="Cup", duration="90m")
    await world.answer(G1, 10, 700, roles=(ROLE_BLUE,))

    restarted = await world.restart()
    try:
        await restarted.teams.load()
        assert restarted.competitions.running(G1) is not None  # the cache is rebuilt from the database
        await restarted.answer(G1, 11, 300, roles=(ROLE_BLUE,))
        restarted.clock.advance(timedelta(hours=5))
        (ended,) = await restarted.competitions.end_due()
        assert ended.late and ended.on_schedule
        top = ended.standings.table[0]
        assert (top.name, top.points, top.active_members) == ("Blue", 1000, 2)
        assert restarted.teams.team_of(G1, 10, (ROLE_BLUE,)) is None
    finally:
        await restarted.close()


async def test_forget_me_takes_the_member_off_their_team_in_the_cache_too(world: World) -> None:
    await two_teams(world)
    await world.teams.join(guild_id=G1, user_id=10, name="Owls", display_name="ten")
    await world.competitions.start(guild_id=G1, channel_id=5, user_id=1, name="Cup", duration="1h")
    await world.answer(G1, 10, 400)
    privacy = PrivacyService(world.db, world.writer, forgotten=world.teams.forget_member)
    deleted = await privacy.forget(G1, 10)
    assert deleted["team memberships"] == 1 and deleted["competition scores"] == 1
    assert world.teams.member_team_id(G1, 10) is None
    await world.answer(G1, 10, 300)  # answers again: on no team now
    assert [(s.name, s.points) for s in (await world.competitions.standings(G1)).table] == [
        ("Blue", 0),
        ("Owls", 0),
    ]
    await world.teams.join(guild_id=G1, user_id=10, name="Owls")  # and may join again
