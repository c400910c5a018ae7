"""Study teams: create, join, leave, list; and which team a member answers for. No discord import.

Membership is explicit (``/team join``) or comes from a role (a team created with a role has as
its members everyone who holds that role, read from the role ids an answer's event carries, so no
privileged intent is needed). Explicit membership wins; otherwise the role-bound team with the
lowest id among the member's roles. A member is on at most one explicit team: joining another
is refused until they ``/team leave`` (points already earned in a competition stay with the team
they were earned for).

The quiz service asks :meth:`TeamService.team_of` synchronously for every answer, so everything
it needs is cached in memory: loaded at start-up and updated after every committed change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.clock import Clock, to_ms
from bot.core.competitions import clean_team_name, name_key
from bot.core.errors import ConflictError, NotFoundError, UserFacingError
from bot.core.i18n import N_
from bot.storage.competitions import CompetitionRepository, CompetitionRow
from bot.storage.database import Database
from bot.storage.teams import TeamNameTakenError, TeamRepository, TeamRow

log = logging.getLogger(__name__)

MAX_TEAMS = 25  # one select/autocomplete page, and a table that fits an embed


@dataclass
class _GuildTeams:
    teams: dict[int, TeamRow] = field(default_factory=dict)  # team id -> team
    members: dict[int, int] = field(default_factory=dict)  # user id -> team id (explicit)
    by_role: dict[int, int] = field(default_factory=dict)  # role id -> lowest team id bound to it
    competition: CompetitionRow | None = None  # the running one

    def reindex_roles(self) -> None:
        self.by_role = {}
        for team in sorted(self.teams.values(), key=lambda t: t.id):
            if team.role_id is not None:
                self.by_role.setdefault(team.role_id, team.id)


@dataclass(frozen=True, slots=True)
class TeamListing:
    team: TeamRow
    explicit_members: int
    names: tuple[str, ...]


class TeamService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.repo = TeamRepository(db)
        self.competitions = CompetitionRepository(db)
        self._guilds: dict[int, _GuildTeams] = {}
        self._lock = asyncio.Lock()  # one change at a time keeps the cache and the rows in step

    async def load(self) -> None:
        """Fill the cache from the database: teams, explicit members, running competitions."""
        guilds: dict[int, _GuildTeams] = {}
        for team in await self.repo.all_teams():
            guilds.setdefault(team.guild_id, _GuildTeams()).teams[team.id] = team
        for member in await self.repo.all_memberships():
            guilds.setdefault(member.guild_id, _GuildTeams()).members[member.user_id] = member.team_id
        for competition in await self.competitions.running_all():
            guilds.setdefault(competition.guild_id, _GuildTeams()).competition = competition
        for cached in guilds.values():
            cached.reindex_roles()
        self._guilds = guilds

    def _guild(self, guild_id: int) -> _GuildTeams:
        return self._guilds.setdefault(guild_id, _GuildTeams())

    # -- the quiz service asks this for every answer ----------------------------------------------

    def team_of(self, guild_id: int, user_id: int, role_ids: Sequence[int] = ()) -> tuple[int, int] | None:
        """(running competition id, the member's team id), or None when no competition runs or the
        member is on no team."""
        cached = self._guilds.get(guild_id)
        if cached is None or cached.competition is None:
            return None
        if to_ms(self.clock.now()) >= cached.competition.ends_at:
            return None  # past its end, before the wake-up has ended it: it no longer counts
        team_id = self.member_team_id(guild_id, user_id, role_ids)
        return None if team_id is None else (cached.competition.id, team_id)

    def member_team_id(self, guild_id: int, user_id: int, role_ids: Sequence[int] = ()) -> int | None:
        cached = self._guilds.get(guild_id)
        if cached is None:
            return None
        explicit = cached.members.get(user_id)
        if explicit is not None:
            return explicit
        bound = [cached.by_role[r] for r in role_ids if r in cached.by_role]
        return min(bound) if bound else None

    # -- the competition service keeps the running competition here -------------------------------

    def running_competition(self, guild_id: int) -> CompetitionRow | None:
        cached = self._guilds.get(guild_id)
        return None if cached is None else cached.competition

    def set_running(self, guild_id: int, competition: CompetitionRow | None) -> None:
        self._guild(guild_id).competition = competition

    def forget_member(self, guild_id: int, user_id: int) -> None:
        """/privacy forget-me deleted the member's team row: drop it from the cache too."""
        cached = self._guilds.get(guild_id)
        if cached is not None:
            cached.members.pop(user_id, None)

    # -- reading ----------------------------------------------------------------------------------

    def teams(self, guild_id: int) -> list[TeamRow]:
        cached = self._guilds.get(guild_id)
        return [] if cached is None else sorted(cached.teams.values(), key=lambda t: name_key(t.name))

    def find(self, guild_id: int, name: str) -> TeamRow:
        key = name_key(name)
        for team in self.teams(guild_id):
            if name_key(team.name) == key:
                return team
        raise NotFoundError(
            N_("There is no team named **{name}** here; see `/team list`."), name=" ".join(name.split())
        )

    async def listing(self, guild_id: int) -> list[TeamListing]:
        out = []
        for team in self.teams(guild_id):
            count, names = await self.repo.member_names(team.id)
            out.append(TeamListing(team, count, tuple(names)))
        return out

    # -- commands ---------------------------------------------------------------------------------

    async def create(
        self, *, guild_id: int, name: str, role_id: int | None = None, role_name: str = ""
    ) -> TeamRow:
        """A new team; bound to a role when ``role_id`` is given (``role_name`` for messages)."""
        name = clean_team_name(name)
        async with self._lock:
            cached = self._guild(guild_id)
            if any(name_key(t.name) == name_key(name) for t in cached.teams.values()):
                raise ConflictError(N_("This server already has a team named **{name}**."), name=name)
            if len(cached.teams) >= MAX_TEAMS:
                raise ConflictError(N_("A server can have at most {n} teams."), n=MAX_TEAMS)
            if role_id is not None and role_id in cached.by_role:
                other = cached.teams[cached.by_role[role_id]].name
                raise ConflictError(
                    N_("The role {role} already makes up the team **{team}**."),
                    role=role_name or role_id,
                    team=other,
                )
            try:
                async with self.db.transaction() as conn:
                    team = await TeamRepository.create(
                        conn,
                        guild_id=guild_id,
                        name=name,
                        role_id=role_id,
                        created_at=to_ms(self.clock.now()),
                    )
            except TeamNameTakenError:
                raise ConflictError(
                    N_("This server already has a team named **{name}**."), name=name
                ) from None
            cached.teams[team.id] = team
            cached.reindex_roles()
        log.info("guild %s created team %s (%s), role %s", guild_id, team.id, name, role_id)
        return team

    async def join(
        self, *, guild_id: int, user_id: int, name: str, display_name: str = "", role_ids: Sequence[int] = ()
    ) -> TeamRow:
        team = self.find(guild_id, name)
        if team.role_id is not None:
            raise UserFacingError(
                N_(
                    "**{team}** is made of everyone with the <@&{role_id}> role; "
                    "ask an admin for the role to be on it."
                ),
                team=team.name,
                role_id=team.role_id,
            )
        async with self._lock:
            cached = self._guild(guild_id)
            current = cached.members.get(user_id)
            if current == team.id:
                raise ConflictError(N_("You are already on **{team}**."), team=team.name)
            if current is not None:
                raise ConflictError(
                    N_("You are on **{team}**; `/team leave` it first, then join another."),
                    team=cached.teams[current].name,
                )
            async with self.db.transaction() as conn:
                joined = await TeamRepository.join(
                    conn,
                    guild_id=guild_id,
                    user_id=user_id,
                    display_name=display_name or str(user_id),
                    team_id=team.id,
                    now_ms=to_ms(self.clock.now()),
                )
            if not joined:  # the cache and the table disagree: trust the table at the next start
                raise ConflictError(N_("You are already on a team; `/team leave` it first."))
            cached.members[user_id] = team.id
        return team

    async def leave(self, *, guild_id: int, user_id: int, role_ids: Sequence[int] = ()) -> TeamRow:
        async with self._lock:
            cached = self._guild(guild_id)
            if user_id not in cached.members:
                bound = self.member_team_id(guild_id, user_id, role_ids)
                if bound is not None:
                    team = cached.teams[bound]
                    raise UserFacingError(
                        N_(
                            "You are on **{team}** through the <@&{role_id}> role; "
                            "only losing the role takes you off it."
                        ),
                        team=team.name,
                        role_id=team.role_id,
                    )
                raise NotFoundError(N_("You are not on a team."))
            async with self.db.transaction() as conn:
                left = await TeamRepository.leave(conn, guild_id=guild_id, user_id=user_id)
            cached.members.pop(user_id, None)
            if left is None or left not in cached.teams:  # the table had already forgotten it
                raise NotFoundError(N_("You are not on a team."))
            return cached.teams[left]
