"""Study reminders: a DM at the member's local time when cards are due, at most once per local day.

Driven by the bot's one minute wake-up, like the question of the day, and with its DST rules
(:func:`bot.core.study.next_reminder_at` is :func:`bot.core.daily.next_post_at`). The database
decides what is due: each run claims due reminders in chunks (one transaction moves every
claimed ``remind_next_at`` to the next local day and records the local date sent), then sends
what it claimed. A claim changed meanwhile (the member turned it off or on again) is left alone,
so a reminder is never sent twice; a reminder claimed but not sent because the process stopped
is lost for that day rather than risked twice.

A member whose DMs are closed (Discord error 50007) has reminders turned off, with the reason
kept for ``/study progress``. No discord import: the cog implements :class:`ReminderPresenter`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from bot.core.clock import Clock, to_ms
from bot.core.daily import format_post_time, parse_post_time, parse_zone
from bot.core.i18n import N_
from bot.core.shards import Ownership
from bot.core.study import next_reminder_at, reminder_date
from bot.services.daily import Pacer
from bot.storage.cards import CardRepository, StudyMember
from bot.storage.database import Connection, Database

log = logging.getLogger(__name__)

# Claimed per round trip; at the pacer's rate a chunk takes about 10 s to send, so a run stays
# near its budget and the next minute's wake-up (questions of the day first) is not held up.
CHUNK = 200
CONCURRENCY = 16
# The wake-up runs the parts in turn; reminders leave the rest of the minute to the others.
RUN_BUDGET = timedelta(seconds=20)
# Discord allows a bot 50 requests/s. The wake-up runs its parts in turn, so reminders may use what
# the question of the day uses (40/s) while they run. A reminder is counted as two requests (opening
# the DM channel, the send): 20 reminders/s, about 400 a minute; the rest stay due for the next.
REQUESTS_PER_SECOND = 40.0
# Kept as the reminder's off reason in English (the msgid); /study progress shows it translated.
DMS_CLOSED = N_(
    "Your DMs are closed to the bot (Discord error 50007), so reminders were turned off. "
    "Allow direct messages from this server's members, then `/study remind on` again."
)


class DmClosedError(Exception):
    """The presenter's way to say the member does not take DMs from the bot (Discord 50007)."""


@dataclass(frozen=True, slots=True)
class ReminderCard:
    guild_id: int
    user_id: int
    due: int
    local_date: str
    #: The member's interface language when last seen (None: not known; the server's is used).
    language: str | None = None


class ReminderPresenter(Protocol):
    async def send_reminder(self, card: ReminderCard) -> None:
        """DM the member; raise :class:`DmClosedError` when their DMs are closed to the bot."""
        ...


@dataclass
class ReminderReport:
    sent: int = 0
    nothing_due: int = 0
    turned_off: int = 0
    failed: int = 0
    more: bool = False
    claimed: list[tuple[int, int]] = field(default_factory=list, repr=False)


@dataclass(frozen=True, slots=True)
class ReminderState:
    time: str | None
    timezone: str | None
    next_at: int | None
    off_reason: str | None


class ReminderService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        pacer: Pacer | None = None,
        chunk: int = CHUNK,
        concurrency: int = CONCURRENCY,
        run_budget: timedelta = RUN_BUDGET,
        owner: Ownership | None = None,
    ) -> None:
        self.db = db
        self.owner = owner  # the servers whose members this process reminds (guild 0: shard 0's)
        self.clock = clock
        self.pacer = pacer
        self.chunk = chunk
        self.concurrency = concurrency
        self.run_budget = run_budget
        self.cards = CardRepository(db)
        self.presenter: ReminderPresenter | None = None
        self._lock = asyncio.Lock()

    async def turn_on(
        self, guild_id: int, user_id: int, *, time: str, timezone: str, language: str | None = None
    ) -> ReminderState:
        """Remind the member at ``time`` in ``timezone``, in ``language`` (their Discord's, as now)."""
        at = parse_post_time(time)
        tz = parse_zone(timezone)
        now = self.clock.now()
        next_at = to_ms(next_reminder_at(now, at, tz))
        await self.db.write(
            lambda conn: CardRepository.set_reminder(
                conn,
                guild_id,
                user_id,
                to_ms(now),
                remind_time=format_post_time(at),
                timezone=tz.key,
                next_at=next_at,
                language=language,
            )
        )
        return ReminderState(format_post_time(at), tz.key, next_at, None)

    async def turn_off(self, guild_id: int, user_id: int, reason: str | None = None) -> None:
        now_ms = to_ms(self.clock.now())
        await self.db.write(
            lambda conn: CardRepository.set_reminder(
                conn,
                guild_id,
                user_id,
                now_ms,
                remind_time=None,
                timezone=None,
                next_at=None,
                off_reason=reason,
            )
        )

    async def state(self, guild_id: int, user_id: int) -> ReminderState:
        member = await self.cards.member(guild_id, user_id)
        if member is None:
            return ReminderState(None, None, None, None)
        return ReminderState(
            member.remind_time, member.remind_timezone, member.remind_next_at, member.remind_off_reason
        )

    # -- the wake-up ----------------------------------------------------------------------------

    async def run_due(self) -> ReminderReport:
        report = ReminderReport()
        if self.presenter is None:
            return report
        async with self._lock:
            started = self.clock.now()
            while True:
                now = self.clock.now()
                if now - started >= self.run_budget:
                    report.more = True  # still due in the database: the next minute's run goes on
                    break
                due = await self.cards.due_reminders(to_ms(now), self.chunk, self.owner)
                if not due:
                    break
                cards = await self._claim(due, report)
                await self._send_many(cards, report)
        if report.sent or report.turned_off or report.failed:
            log.info(
                "study reminders: %d sent, %d with nothing due, %d turned off, %d failed",
                report.sent,
                report.nothing_due,
                report.turned_off,
                report.failed,
            )
        return report

    async def _claim(self, due: Sequence[StudyMember], report: ReminderReport) -> list[ReminderCard]:
        now = self.clock.now()
        now_ms = to_ms(now)
        counts = await self.cards.due_counts([(m.guild_id, m.user_id) for m in due], now_ms)
        claims: list[tuple[int, int, int, int | None, str | None]] = []
        cards: dict[tuple[int, int], ReminderCard] = {}
        for member in due:
            assert member.remind_next_at is not None
            try:
                at = parse_post_time(member.remind_time or "")
                tz = parse_zone(member.remind_timezone or "")
            except Exception:
                log.warning("member %s has a broken reminder; turning it off", member.user_id)
                claims.append((member.guild_id, member.user_id, member.remind_next_at, None, None))
                continue
            today = reminder_date(now, tz)
            next_at = to_ms(next_reminder_at(now, at, tz))
            n = counts.get((member.guild_id, member.user_id), 0)
            send = n > 0 and member.remind_last_date != today
            claims.append(
                (member.guild_id, member.user_id, member.remind_next_at, next_at, today if send else None)
            )
            if send:
                cards[(member.guild_id, member.user_id)] = ReminderCard(
                    member.guild_id, member.user_id, n, today, member.language
                )
            else:
                report.nothing_due += 1

        async def claim(conn: Connection) -> list[tuple[int, int]]:
            return await CardRepository.claim_reminders(conn, claims)

        held = await self.db.write(claim)
        report.claimed.extend(held)
        return [cards[key] for key in held if key in cards]

    async def _send_many(self, cards: Sequence[ReminderCard], report: ReminderReport) -> None:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(card: ReminderCard) -> None:
            async with gate:
                await self._send(card, report)

        results = await asyncio.gather(*(one(c) for c in cards), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result

    async def _send(self, card: ReminderCard, report: ReminderReport) -> None:
        assert self.presenter is not None
        if self.pacer is not None:
            await self.pacer.take(2)  # opening the DM channel, then the message
        try:
            await self.presenter.send_reminder(card)
        except asyncio.CancelledError:
            raise
        except DmClosedError:
            report.turned_off += 1
            log.info("member %s has DMs closed; study reminders turned off", card.user_id)
            await self.turn_off(card.guild_id, card.user_id, DMS_CLOSED)
            return
        except Exception:
            report.failed += 1
            log.warning("the study reminder of member %s failed", card.user_id, exc_info=True)
            return
        report.sent += 1
