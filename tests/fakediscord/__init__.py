"""A Discord stand-in on loopback for end-to-end tests of the real bot; see README.md."""

from .actors import (
    ActorError,
    CommandRefused,
    ComponentUnavailable,
    InvalidOptions,
    Member,
    NoResponse,
    Upload,
)
from .faults import Fault
from .harness import BotHarness, discord_py_endpoints
from .interactions import CallbackType, InteractionRecord, InteractionType
from .models import Channel, Emoji, Guild, Intent, Message, MessageFlag, Overwrite, Perm, Role, User
from .server import FakeClock, FakeDiscord, SessionGap
from .world import STUDY_GUILD_ID, StudyServer, study_server

__all__ = [
    "STUDY_GUILD_ID",
    "ActorError",
    "BotHarness",
    "CallbackType",
    "Channel",
    "CommandRefused",
    "ComponentUnavailable",
    "Emoji",
    "FakeClock",
    "FakeDiscord",
    "Fault",
    "Guild",
    "Intent",
    "InteractionRecord",
    "InteractionType",
    "InvalidOptions",
    "Member",
    "Message",
    "MessageFlag",
    "NoResponse",
    "Overwrite",
    "Perm",
    "Role",
    "SessionGap",
    "StudyServer",
    "Upload",
    "User",
    "discord_py_endpoints",
    "study_server",
]
