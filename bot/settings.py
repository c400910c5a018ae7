"""The one settings object, read from the environment and a ``.env`` file.

Built once by the entry point (never at import time) and passed down. Per-server
settings live in the database, not here.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from pydantic import AnyUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_PATH = Path("var") / "quiz.db"
DEFAULT_API_BASE = "https://discord.com/api/v10"

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class Settings(BaseSettings):
    """Process-wide configuration. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    discord_token: SecretStr | None = Field(
        default=None, description="Bot token from the Discord developer portal (required to run)."
    )
    database_path: Path = Field(
        default=DEFAULT_DATABASE_PATH, description="SQLite file; parent folders are created."
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "sqlite:///path (relative; sqlite:////abs for an absolute path) or "
            "postgresql://user@host:port/db (the scale-out backend); unset: the SQLite file DATABASE_PATH."
        ),
    )
    shard_count: int | None = Field(
        default=None,
        ge=1,
        description="Shards of the whole bot (Discord requires them from 2,500 servers); unset: automatic.",
    )
    shard_ids: list[int] | None = Field(
        default=None,
        description="Shards this process runs, e.g. 0,1 or 0-24 (needs SHARD_COUNT); unset: all of them.",
    )
    discord_api_base: str = Field(
        default=DEFAULT_API_BASE, description="REST base URL (a proxy, or a test stand-in)."
    )
    discord_gateway_url: str | None = Field(
        default=None, description="Gateway websocket URL override; Discord's default when unset."
    )
    dev_guild_id: int | None = Field(
        default=None, description="Guild to sync slash commands to at start-up, for development."
    )
    log_level: str = Field(default="INFO", description="One of CRITICAL, ERROR, WARNING, INFO, DEBUG.")
    bank_dir: Path | None = Field(
        default=None, description="Folder of bank YAML files; the shipped data/bank when unset."
    )
    analytics_min_answers: int = Field(
        default=30, ge=1, description="Answers an item needs before its analysis flags are shown."
    )

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_missing(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        if text.startswith("sqlite://"):
            if not text.startswith("sqlite:///") or len(text) == len("sqlite:///"):
                raise ValueError("expected sqlite:///path/to/quiz.db (three slashes, then the path)")
        elif text.startswith(("postgresql://", "postgres://")):
            host = AnyUrl(text).host
            if not host and "host=" not in text:
                raise ValueError("expected postgresql://user@host:port/database")
        else:
            raise ValueError("expected sqlite:///path or postgresql://user@host:port/database")
        return text

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, value: Any) -> Any:
        """``0,1`` or ``0 1`` or ``[0, 1]`` (JSON), and ranges: ``0-24`` or ``0-3,8``."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            text = value.strip().strip("[]")
            ids: list[int] = []
            try:
                for part in text.replace(",", " ").split():
                    first, dash, last = part.partition("-")
                    if not dash:
                        ids.append(int(part))
                    elif int(first) <= int(last):
                        ids.extend(range(int(first), int(last) + 1))
                    else:
                        raise ValueError(part)
            except ValueError:
                raise ValueError("expected shard ids such as 0,1 or a range such as 0-24") from None
            return ids
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("shard_count", mode="before")
    @classmethod
    def _blank_count_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError(
                    "SHARD_IDS needs SHARD_COUNT: set SHARD_COUNT to the bot's total number of shards"
                )
            if not self.shard_ids:
                raise ValueError("SHARD_IDS is empty: list this process's shards, such as 0,1")
            wrong = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if wrong:
                last = self.shard_count - 1
                raise ValueError(
                    f"SHARD_IDS {wrong} are not shards of SHARD_COUNT={self.shard_count} (0 to {last})"
                )
            if len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError("SHARD_IDS lists a shard twice")
        return self

    @field_validator("discord_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        url = AnyUrl(value)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("expected an http(s) URL such as https://discord.com/api/v10")
        return value.rstrip("/")

    @field_validator("discord_gateway_url", mode="before")
    @classmethod
    def _ws_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        url = AnyUrl(str(value))
        if url.scheme not in ("ws", "wss") or not url.host:
            raise ValueError("expected a ws:// or wss:// URL such as wss://gateway.discord.gg")
        return str(value)

    @field_validator("dev_guild_id", mode="before")
    @classmethod
    def _blank_guild_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("dev_guild_id")
    @classmethod
    def _snowflake(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise ValueError("expected a positive guild id (a Discord snowflake)")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> str:
        level = str(value).strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
        return level

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))

    def token(self) -> str:
        """The bot token, or :class:`MissingTokenError` saying how to set it."""
        if self.discord_token is None:
            raise MissingTokenError()
        return self.discord_token.get_secret_value()

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None and self.database_url.startswith(
            ("postgresql://", "postgres://")
        )

    def database_file(self) -> Path:
        """The SQLite file as an absolute path (what the logs and ``quizbot db status`` show): from
        DATABASE_URL when it names one, else DATABASE_PATH. With PostgreSQL, the folder of this path
        still holds the process's heartbeat file."""
        if self.database_url is not None and self.database_url.startswith("sqlite:///"):
            from bot.storage.database import sqlite_path

            return sqlite_path(self.database_url).expanduser().absolute()
        return self.database_path.expanduser().absolute()

    def database_target(self) -> Path | str:
        """What :meth:`bot.storage.database.Database.open` opens: the PostgreSQL URL, or the SQLite
        file with its folders created."""
        if self.uses_postgres:
            assert self.database_url is not None
            return self.database_url
        return self.resolved_database_path()

    def database_label(self) -> str:
        """Where the data is, for logs and messages (no password)."""
        if self.uses_postgres:
            from bot.storage.postgres import redact

            assert self.database_url is not None
            return redact(self.database_url)
        return str(self.database_file())

    def heartbeat_file(self) -> Path:
        """``quiz.db.heartbeat`` beside the database file; one per process when it runs some shards."""
        base = self.database_file()
        suffix = ".heartbeat"
        if self.shard_ids is not None:
            suffix = ".shards-" + "-".join(str(i) for i in sorted(self.shard_ids)) + suffix
        return base.with_name(base.name + suffix)

    def resolved_database_path(self) -> Path:
        """The database file as an absolute path, with its folders created.

        Raises :class:`DatabasePathError` (exit code 3) naming the folder when it cannot be created.
        """
        path = self.database_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            user = f"uid {os.getuid()}" if hasattr(os, "getuid") else "this user"
            raise DatabasePathError(
                f"cannot create the folder {path.parent} for DATABASE_PATH ({reason}): create it and make "
                f"it writable by {user} (a Docker volume owned by root: chown it), or set DATABASE_PATH "
                "to a writable place"
            ) from None
        return path


class SettingsError(Exception):
    """A setting is missing or invalid: one line for the operator, exit code 2."""

    exit_code = 2


class DatabasePathError(SettingsError):
    """The database's folder cannot be created: exit code 3, like any database that cannot be opened."""

    exit_code = 3


class MissingTokenError(SettingsError):
    def __init__(self) -> None:
        super().__init__(
            "DISCORD_TOKEN is not set: export DISCORD_TOKEN=<your bot token> or put "
            "DISCORD_TOKEN=... in a .env file (the token is on the Bot page of your application "
            "at the Discord developer portal)"
        )


def load_settings(**overrides: Any) -> Settings:
    """Build and validate the settings, turning pydantic's report into one clear line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        value = error.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int) and name != "DISCORD_TOKEN" else ""
        parts.append(f"{name}: {message}{shown}")
    return "invalid setting: " + "; ".join(parts)
