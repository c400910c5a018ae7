"""The one settings object, read from the environment and a ``.env`` file.

Built once by the entry point (never at import time) and passed down. Per-server
settings live in the database, not here.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from pydantic import AnyUrl, Field, SecretStr, ValidationError, field_validator
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

    def database_file(self) -> Path:
        """The database file as an absolute path (what the logs and ``quizbot db status`` show)."""
        return self.database_path.expanduser().absolute()

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
