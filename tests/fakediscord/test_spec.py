"""Validation of the bot's requests against Discord's OpenAPI description."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.http import Route

from . import FakeDiscord, StudyServer, spec
from .spec import SpecValidator
from .strict import SPEC

SNOWFLAKE = {"type": "string", "pattern": "^(0|[1-9][0-9]*)$", "format": "snowflake"}

#: A few routes in the description's own shape, so the machinery is tested without the file.
TINY: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "tiny", "version": "10"},
    "paths": {
        "/channels/{channel_id}/messages": {
            "parameters": [
                {"name": "channel_id", "in": "path", "schema": {"$ref": "#/components/schemas/Id"}}
            ],
            "get": {
                "parameters": [
                    {"name": "before", "in": "query", "schema": {"$ref": "#/components/schemas/Id"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                ]
            },
            "post": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Create"}}}
                }
            },
        },
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": {"get": {}},
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original": {"get": {}},
        "/interactions/{interaction_id}/{interaction_token}/callback": {
            "post": {
                "parameters": [{"name": "with_response", "in": "query", "schema": {"type": "boolean"}}],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"$ref": "#/components/schemas/Message4"},
                                    {"$ref": "#/components/schemas/Choices8"},
                                ]
                            }
                        }
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Id": SNOWFLAKE,
            "Create": {
                "type": "object",
                "properties": {
                    "content": {"type": ["string", "null"], "maxLength": 20},
                    "message_reference": {
                        "type": "object",
                        "properties": {"message_id": {"$ref": "#/components/schemas/Id"}},
                    },
                },
            },
            "Message4": {
                "type": "object",
                "properties": {"type": {"type": "integer", "enum": [4]}, "data": {"type": "object"}},
                "required": ["type"],
            },
            "Choices8": {
                "type": "object",
                "properties": {
                    "type": {"type": "integer", "enum": [8]},
                    "data": {
                        "type": "object",
                        "properties": {"choices": {"type": "array", "maxItems": 2}},
                    },
                },
                "required": ["type"],
            },
        }
    },
}


@pytest.fixture
def tiny() -> SpecValidator:
    return SpecValidator(json.loads(json.dumps(TINY)))


def test_a_fitting_body_and_query_pass(tiny: SpecValidator) -> None:
    assert tiny.problems("POST", "/channels/1/messages", {}, {"content": "hi"}) == []
    assert tiny.problems("GET", "/channels/1/messages", {"before": "123", "limit": "50"}, {}) == []
    assert tiny.problems("POST", "/interactions/1/tok/callback", {"with_response": "1"}, {"type": 4}) == []


def test_snowflakes_may_be_json_integers_but_not_anything_else(tiny: SpecValidator) -> None:
    ok = {"content": "re", "message_reference": {"message_id": 1234567890123}}
    negative = {"content": "re", "message_reference": {"message_id": -1}}
    text = {"content": "re", "message_reference": {"message_id": "abc"}}

    assert tiny.problems("POST", "/channels/1/messages", {}, ok) == []
    assert tiny.problems("POST", "/channels/1/messages", {}, negative) != []
    assert tiny.problems("POST", "/channels/1/messages", {}, text) != []


def test_mismatches_name_the_field_and_the_rule(tiny: SpecValidator) -> None:
    problems = tiny.problems("POST", "/channels/1/messages", {}, {"content": "x" * 21})
    assert problems == ["body $.content: 'xxxxxxxxxxxxxxxxxxxxx' is too long"]
    assert tiny.problems("GET", "/channels/1/messages", {"limit": "500"}, {}) == [
        "query limit='500': 500 is greater than the maximum of 100"
    ]
    assert tiny.problems("GET", "/channels/1/messages", {"sort": "new"}, {}) == [
        "query parameter 'sort' is not one GET /channels/{channel_id}/messages takes"
    ]
    assert tiny.problems("GET", "/webhooks/1/t/messages/@original", {}, {"x": 1}) == [
        'GET /webhooks/{webhook_id}/{webhook_token}/messages/@original takes no JSON body, got {"x": 1}'
    ]
    assert tiny.problems("DELETE", "/channels/1/messages", {}, {}) == [
        "DELETE /channels/1/messages is not in Discord's OpenAPI description"
    ]


def test_a_oneof_mismatch_is_reported_inside_the_branch_the_type_picks(tiny: SpecValidator) -> None:
    body = {"type": 8, "data": {"choices": [1, 2, 3]}}

    (problem,) = tiny.problems("POST", "/interactions/1/tok/callback", {}, body)

    assert problem == "body $.data.choices: [1, 2, 3] is too long"


def test_the_most_literal_path_wins(tiny: SpecValidator) -> None:
    original = tiny.operation("GET", "/webhooks/1/t/messages/@original")
    other = tiny.operation("GET", "/webhooks/1/t/messages/99")
    assert original is not None and original.path.endswith("/@original")
    assert other is not None and other.path.endswith("/{message_id}")


def test_an_allowed_mismatch_is_let_through(tiny: SpecValidator, monkeypatch: pytest.MonkeyPatch) -> None:
    known = spec.Allowed("POST", "/channels/{channel_id}/messages", r"^\$\.content$", "test")
    monkeypatch.setattr(spec, "ALLOWED", [known])

    assert tiny.problems("POST", "/channels/1/messages", {}, {"content": "x" * 21}) == []


def test_the_description_is_found_beside_the_repo_or_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(spec.ENV, "off")
    assert spec.find_spec()[0] is None
    assert spec.status_line().startswith("fakediscord: Discord OpenAPI validation OFF")

    missing = tmp_path / "nowhere.json"
    monkeypatch.setenv(spec.ENV, str(missing))
    assert spec.find_spec() == (None, f"${spec.ENV}={missing}")

    own = tmp_path / "openapi.json"
    own.write_text(json.dumps(TINY))
    monkeypatch.setenv(spec.ENV, str(own))
    assert spec.find_spec()[0] == own
    assert spec.status_line() == f"fakediscord: Discord OpenAPI validation ON ({own}, API 10)"

    monkeypatch.delenv(spec.ENV)
    root = spec.repo_root()
    found, looked = spec.find_spec()
    expected = [root.parent / spec.RELATIVE, root.parent.parent / spec.RELATIVE]
    assert found == next((p for p in expected if p.is_file()), None)
    assert found is not None or looked == " or ".join(map(str, expected))


async def test_validation_can_be_switched_off_per_stand_in() -> None:
    async with FakeDiscord(validate_spec=False) as off:
        assert off.spec is None
        off.expect_spec_violation()  # not required when validation is off
        off.check()


needs_spec = pytest.mark.skipif(spec.spec_validator() is None, reason=spec.status_line())


@needs_spec
@pytest.mark.e2e
async def test_a_body_discord_would_not_accept_fails_the_test(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=world.channel.id)

    await bot.http.request(route, json={"content": "hi", "tts": "no"})

    with pytest.raises(
        AssertionError, match=r"\[spec\] POST /channels/\d+/messages .* \$\.tts: 'no' is not of type"
    ):
        fake.check()
    fake.strict.expect(SPEC, match=r"\$\.tts", times=1)


@needs_spec
@pytest.mark.e2e
async def test_what_discord_py_sends_fits_including_integer_snowflakes(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    channel = bot.get_channel(world.channel.id)
    role = fake.add_role(world.guild, "quizzers", 0, mentionable=True)
    question = await channel.send(
        "Q?", embed=discord.Embed(title="Q", colour=0x5865F2).add_field(name="A", value="a")
    )

    # discord.py sends message_reference ids and allowed_mentions roles as JSON integers.
    mentions = discord.AllowedMentions(roles=[discord.Object(role.id)], users=False, everyone=False)
    await question.reply(f"<@&{role.id}>", allowed_mentions=mentions)
    await question.add_reaction("🇦")
    await question.edit(content="Q (closed)")
    history = [m async for m in channel.history(limit=5, before=question)]

    assert history == []
    assert fake.spec is not None
    assert [v for v in fake.strict.violations if v.kind == SPEC] == []
    assert fake.spec.checked[("POST", "/channels/{channel_id}/messages")] >= 2
