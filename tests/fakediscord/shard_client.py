"""One shard of a bot as its own OS process, for the stand-in's sharding tests.

``python shard_client.py API_BASE GATEWAY_URL TOKEN SHARD_ID SHARD_COUNT`` runs a plain
discord.py client (``discord.Client(shard_id=..., shard_count=...)``, discord.py's own identify
pacing) against the stand-in and prints one JSON line per event it receives: ``ready`` (with
its guild ids), ``reaction``, ``resumed``. The test reads them from stdout and may kill it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import discord
import yarl


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def main(argv: list[str]) -> None:
    api_base, gateway_url, token, shard_id, shard_count = argv
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    client = discord.Client(
        intents=discord.Intents.default(),
        shard_id=int(shard_id),
        shard_count=int(shard_count),
        guild_ready_timeout=0.05,
    )

    @client.event
    async def on_ready() -> None:
        emit(event="ready", shard=client.shard_id, guilds=sorted(g.id for g in client.guilds))

    @client.event
    async def on_resumed() -> None:
        emit(event="resumed", shard=client.shard_id)

    @client.event
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        emit(event="reaction", guild=payload.guild_id, message=payload.message_id, emoji=str(payload.emoji))

    client.run(token, log_handler=None)


if __name__ == "__main__":
    main(sys.argv[1:])
