"""What happened to one interaction, as the member who started it would see it.

The stand-in keeps one :class:`InteractionRecord` per interaction: the callback the bot gave
(and when), the original response message, follow-ups, autocomplete choices, a modal, and every
callback Discord refused (too late, twice, wrong type). Ephemeral replies live here and in the
member's view only, never in the channel: that is how a test checks they stayed private.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .models import JSON, Message, MessageFlag, User

if TYPE_CHECKING:
    from .server import FakeDiscord

T = TypeVar("T")


class InteractionType:
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType:
    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


@dataclass
class RejectedCallback:
    """A callback or webhook call Discord refused, e.g. 404 / 10062 after the 3 s deadline."""

    route: str
    status: int
    code: int
    message: str
    at: float


@dataclass
class InteractionRecord:
    fake: FakeDiscord = field(repr=False)
    id: int
    token: str
    type: int
    user: User
    guild_id: int | None
    channel_id: int
    data: JSON
    created_at: float
    #: "quiz start" for commands, the custom_id for components and modals.
    name: str
    #: The message a component sits on (component interactions and modals opened from them).
    source_message_id: int | None = None
    #: For autocomplete: the type of the option being typed into (choices must match it).
    focused_type: int | None = None
    response_type: int | None = None
    responded_at: float | None = None
    response_data: JSON | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    choices: list[JSON] | None = None
    modal: JSON | None = None
    rejected: list[RejectedCallback] = field(default_factory=list)
    #: Set when a deferred (type 5) response got its content, by edit or first follow-up.
    loading_resolved: bool = False
    #: Set once a test was told the bot did not answer (an actor raised NoResponse).
    reported: bool = False

    # -- state -----------------------------------------------------------------------------

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def deferred(self) -> bool:
        return self.response_type in (
            CallbackType.DEFERRED_CHANNEL_MESSAGE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
        )

    @property
    def age(self) -> float:
        return self.fake.clock() - self.created_at

    @property
    def failed(self) -> bool:
        """Discord's "The application did not respond": no callback within the deadline."""
        return not self.acknowledged and self.age > self.fake.interaction_deadline

    @property
    def late_callbacks(self) -> list[RejectedCallback]:
        return [r for r in self.rejected if r.code == 10062]

    # -- what the member sees --------------------------------------------------------------

    @property
    def original(self) -> Message | None:
        """The original response (or, for an update, the message it updated), if any."""
        if self.original_message_id is None:
            return None
        msg = self.fake.messages.get(self.original_message_id)
        return None if msg is None or msg.deleted else msg

    @property
    def message(self) -> Message:
        """Like :attr:`original`, but a test that expects a message gets a clear failure."""
        msg = self.original
        if msg is None:
            raise AssertionError(f"{self} has no response message: {self.summary()}")
        return msg

    @property
    def followups(self) -> list[Message]:
        found = (self.fake.messages.get(i) for i in self.followup_ids)
        return [m for m in found if m is not None and not m.deleted]

    @property
    def replies(self) -> list[Message]:
        """The original response (unless it is an updated component message) and follow-ups."""
        out: list[Message] = []
        msg = self.original
        if msg is not None and self.response_type in (
            CallbackType.CHANNEL_MESSAGE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE,
        ):
            out.append(msg)
        return out + self.followups

    @property
    def ephemeral_replies(self) -> list[Message]:
        """Replies only the member who ran the interaction can see."""
        return [m for m in self.replies if m.flags & MessageFlag.EPHEMERAL]

    @property
    def public_replies(self) -> list[Message]:
        return [m for m in self.replies if not m.flags & MessageFlag.EPHEMERAL]

    @property
    def text(self) -> str:
        """All reply text joined, for quick ``in`` assertions."""
        return "\n".join(m.text() for m in self.replies)

    # -- waiting ---------------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[InteractionRecord], T | None],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
    ) -> T:
        """Wait until ``predicate(self)`` is truthy; returns its value."""
        what = f"{self}: {self.fake.describe_predicate(predicate)}"
        return await self.fake.wait_for(lambda: predicate(self), timeout=timeout, what=what)

    async def wait_reply(self, *, timeout: float = 5.0, ephemeral: bool | None = None) -> Message:  # noqa: ASYNC109 (a waiting helper; README)
        """Wait for a reply with content (a deferred "thinking" message does not count)."""

        def ready(r: InteractionRecord) -> Message | None:
            for m in r.replies:
                if m.flags & MessageFlag.LOADING:
                    continue
                if ephemeral is None or m.ephemeral == ephemeral:
                    return m
            return None

        return await self.wait_for(ready, timeout=timeout)

    def __str__(self) -> str:
        kind = {2: "command", 3: "component", 4: "autocomplete", 5: "modal submit"}.get(
            self.type, str(self.type)
        )
        return f"<{kind} interaction {self.name!r} by {self.user.username} ({self.id})>"

    def summary(self) -> dict[str, Any]:
        return {
            "interaction": str(self),
            "response_type": self.response_type,
            "age_s": round(self.age, 3),
            "replies": [m.text()[:200] for m in self.replies],
            "rejected": [(r.route, r.status, r.code) for r in self.rejected],
        }
