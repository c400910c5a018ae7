"""One writer for every answer: whatever is queued is saved in a single transaction.

Measured on the target machine, one transaction per answer saturates near 3,000 answers/s;
batching keeps up with tens of thousands per second. Callers get a future that resolves to
whether their answer was accepted (the first for its round) once it is on disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.services.tutor import apply_answers
from bot.storage.answers import AnswerRepository, NewAnswer
from bot.storage.database import Connection, Database
from bot.tasks import TaskRunner

log = logging.getLogger(__name__)

MAX_BATCH = 5_000
RETRIES = 5


@dataclass(slots=True)
class _Pending:
    answer: NewAnswer
    future: asyncio.Future[bool]


class AnswerWriter:
    def __init__(self, db: Database, tasks: TaskRunner, *, max_batch: int = MAX_BATCH) -> None:
        self._db = db
        self._tasks = tasks
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.batches = 0
        self.saved = 0
        # Runs in each batch's transaction after the answers are stored: every graded answer is a
        # review of the member's card (issue 16), saved with its answer or not at all.
        self.after_save: Callable[[Connection, Sequence[NewAnswer], list[bool]], Awaitable[None]] | None = (
            apply_answers
        )

    def start(self) -> None:
        if self._task is None:
            self._task = self._tasks.spawn(self._run(), name="answer-writer")

    def submit(self, answer: NewAnswer) -> asyncio.Future[bool]:
        """Queue an answer; the future says whether it was accepted, once saved."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._idle.clear()
        self._queue.put_nowait(_Pending(answer, future))
        return future

    async def flush(self) -> None:
        """Wait until everything queued so far is saved (or failed)."""
        while not (self._queue.empty() and self._idle.is_set()):
            if self._task is None or self._task.done():
                await self._save_available()  # not started (or stopped): save inline
                continue
            await asyncio.sleep(0.002)

    async def stop(self) -> None:
        """Save what is queued, then end the loop."""
        if self._task is not None and not self._task.done():
            self._queue.put_nowait(None)
            await asyncio.wait({self._task}, timeout=30)
        await self._save_available()

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stop = True
                    break
                batch.append(item)
            await self._save(batch)
            if self._queue.empty():
                self._idle.set()
            if stop:
                return

    async def _save_available(self) -> None:
        batch: list[_Pending] = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None:
                batch.append(item)
        if batch:
            await self._save(batch)
        self._idle.set()

    async def _write(self, conn: Connection, answers: list[NewAnswer]) -> list[bool]:
        accepted = await AnswerRepository.save_batch(conn, answers)
        if self.after_save is not None:
            await self.after_save(conn, answers, accepted)
        return accepted

    async def _save(self, batch: list[_Pending]) -> None:
        delay = 0.05
        for attempt in range(1, RETRIES + 1):
            try:
                accepted = await self._db.write(self._write, [p.answer for p in batch])
                break
            except Exception as exc:
                if attempt == RETRIES:
                    log.exception("could not save %d answers after %d attempts", len(batch), attempt)
                    for pending in batch:
                        if not pending.future.done():
                            pending.future.set_exception(exc)
                    return
                log.warning("saving %d answers failed (attempt %d), retrying: %s", len(batch), attempt, exc)
                await asyncio.sleep(delay)
                delay *= 2
        self.batches += 1
        self.saved += sum(accepted)
        for pending, ok in zip(batch, accepted, strict=True):
            if not pending.future.done():
                pending.future.set_result(ok)
