"""Settings: read from the environment and .env, validated once, one clear line on error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_API_BASE, MissingTokenError, Settings, SettingsError, load_settings

ENV_NAMES = (
    "DISCORD_TOKEN",
    "DATABASE_PATH",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "DEV_GUILD_ID",
    "LOG_LEVEL",
    "BANK_DIR",
    "ANALYTICS_MIN_ANSWERS",
    "DATABASE_URL",
    "SHARD_COUNT",
    "SHARD_IDS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # so no developer's .env leaks in


def test_defaults_without_any_setting() -> None:
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.database_path == Path("var/quiz.db")
    assert settings.discord_api_base == DEFAULT_API_BASE
    assert settings.discord_gateway_url is None
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"


def test_reads_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def")
    monkeypatch.setenv("DATABASE_PATH", "/tmp/x/quiz.db")
    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:8080/api/v10/")
    monkeypatch.setenv("DISCORD_GATEWAY_URL", "ws://127.0.0.1:8080/gateway")
    monkeypatch.setenv("DEV_GUILD_ID", "123456789012345678")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.token() == "abc.def"
    assert settings.database_path == Path("/tmp/x/quiz.db")
    assert settings.discord_api_base == "http://127.0.0.1:8080/api/v10"  # trailing slash dropped
    assert settings.discord_gateway_url == "ws://127.0.0.1:8080/gateway"
    assert settings.dev_guild_id == 123456789012345678
    assert settings.log_level == "DEBUG"


def test_reads_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=from-dotenv\nDEV_GUILD_ID=42\n", encoding="utf-8")
    settings = load_settings()
    assert settings.token() == "from-dotenv"
    assert settings.dev_guild_id == 42


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\n", encoding="utf-8")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert load_settings().log_level == "WARNING"


def test_token_is_secret_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token")
    settings = load_settings()
    assert "super-secret-token" not in repr(settings)
    assert "super-secret-token" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DEV_GUILD_ID", "not-a-number", "DEV_GUILD_ID"),
        ("DEV_GUILD_ID", "-5", "positive guild id"),
        ("DISCORD_API_BASE", "ftp://example.org", "http(s) URL"),
        ("DISCORD_API_BASE", "not a url", "DISCORD_API_BASE"),
        ("DISCORD_GATEWAY_URL", "http://127.0.0.1/gw", "ws:// or wss://"),
        ("LOG_LEVEL", "LOUD", "one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
    ],
)
def test_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    message = str(excinfo.value)
    assert name in message
    assert expected in message
    assert "\n" not in message
    assert excinfo.value.exit_code == 2


def test_blank_optional_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEV_GUILD_ID", "")
    monkeypatch.setenv("DISCORD_GATEWAY_URL", " ")
    monkeypatch.setenv("DISCORD_TOKEN", "")
    settings = load_settings()
    assert settings.dev_guild_id is None
    assert settings.discord_gateway_url is None
    assert settings.discord_token is None


def test_missing_token_says_how_to_set_it() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(MissingTokenError) as excinfo:
        settings.token()
    assert "DISCORD_TOKEN" in str(excinfo.value)
    assert "export DISCORD_TOKEN=" in str(excinfo.value)


def test_database_folders_are_created(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_path=tmp_path / "a" / "b" / "quiz.db")  # type: ignore[call-arg]
    path = settings.resolved_database_path()
    assert path.parent.is_dir()


def test_analytics_min_answers_defaults_to_30_and_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().analytics_min_answers == 30
    monkeypatch.setenv("ANALYTICS_MIN_ANSWERS", "12")
    assert load_settings().analytics_min_answers == 12
    monkeypatch.setenv("ANALYTICS_MIN_ANSWERS", "0")
    with pytest.raises(SettingsError, match="ANALYTICS_MIN_ANSWERS"):
        load_settings()


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("0,1", [0, 1]),
        ("0 1", [0, 1]),
        ("[2, 3]", [2, 3]),
        ("5", [5]),
        ("0-3", [0, 1, 2, 3]),
        ("0-2,7", [0, 1, 2, 7]),
    ],
)
def test_shard_ids_take_the_environments_forms_of_a_list(
    monkeypatch: pytest.MonkeyPatch, value: str, ids: list[int]
) -> None:
    monkeypatch.setenv("SHARD_COUNT", "8")
    monkeypatch.setenv("SHARD_IDS", value)
    settings = load_settings()
    assert settings.shard_count == 8 and settings.shard_ids == ids


def test_shards_unset_mean_automatic_sharding_in_one_process() -> None:
    settings = load_settings()
    assert settings.shard_count is None and settings.shard_ids is None


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        (None, "0", "SHARD_IDS needs SHARD_COUNT"),
        ("2", "2", "SHARD_IDS [2] are not shards of SHARD_COUNT=2 (0 to 1)"),
        ("4", "1,1", "SHARD_IDS lists a shard twice"),
        ("4", "3-1", "expected shard ids such as 0,1 or a range such as 0-24"),
        ("4", "one", "expected shard ids such as 0,1"),
        ("0", None, "SHARD_COUNT"),
    ],
)
def test_impossible_shards_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, count: str | None, ids: str | None, expected: str
) -> None:
    if count is not None:
        monkeypatch.setenv("SHARD_COUNT", count)
    if ids is not None:
        monkeypatch.setenv("SHARD_IDS", ids)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert expected in str(excinfo.value) and "\n" not in str(excinfo.value)
    assert excinfo.value.exit_code == 2


@pytest.mark.parametrize(
    ("url", "postgres"),
    [
        ("sqlite:///var/other.db", False),
        ("postgresql://quiz@db:5432/quiz", True),
        ("postgres://quiz:secret@127.0.0.1/quiz", True),
    ],
)
def test_database_url_picks_the_backend(monkeypatch: pytest.MonkeyPatch, url: str, postgres: bool) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    settings = load_settings()
    assert settings.uses_postgres is postgres
    assert "secret" not in settings.database_label()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite://quiz.db", "sqlite:///path"),
        ("mysql://quiz@db/quiz", "expected sqlite:///path or postgresql://"),
    ],
)
def test_a_bad_database_url_names_the_forms(monkeypatch: pytest.MonkeyPatch, url: str, expected: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert "DATABASE_URL" in str(excinfo.value) and expected in str(excinfo.value)
