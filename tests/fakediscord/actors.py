"""People: a :class:`Member` does what a member does in the Discord client.

Every action goes through the checks Discord's client and API make before the bot sees
anything: a slash command must be one the bot synced (to this server or globally), visible to
this member (``default_member_permissions``), with options that fit the synced schema
(types, required, choices, ranges, lengths); a button must be on a message this member can see
and not disabled; a select's values must be among its options. A refused action raises an
:class:`ActorError` naming the reason, and the bot never hears of it, as on Discord.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .interactions import InteractionRecord, InteractionType
from .models import JSON, Channel, Emoji, Guild, GuildMember, Message, Perm, Role, User

if TYPE_CHECKING:
    from .server import FakeDiscord


class ActorError(AssertionError):
    """Something a member tried that Discord would not let them do (or that got no answer)."""


class CommandRefused(ActorError):
    """The Discord client would not send this command (unknown, not synced, no permission)."""


class InvalidOptions(ActorError):
    """The options do not fit the schema the bot synced; the client would not send them."""


class ComponentUnavailable(ActorError):
    """No such button or select on the message, or it is disabled, or not visible to this member."""


class NoResponse(ActorError):
    """The bot did not answer within Discord's deadline: "The application did not respond"."""


OPTION_TYPE_NAMES = {
    1: "subcommand",
    2: "subcommand group",
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    9: "mentionable",
    10: "number",
    11: "attachment",
}

MAX_SAFE_INTEGER = 2**53


# The upload limit of a server without boosts (the client refuses bigger files).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """A file a member attaches to an attachment option: ``slash("bank import", file=Upload(...))``."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass
class _Invocation:
    command: JSON
    words: list[str]
    leaf_schema: list[JSON]


class Member:
    """A member of one server, played by the test."""

    def __init__(self, fake: FakeDiscord, guild: Guild, user: User) -> None:
        self.fake = fake
        self.guild = guild
        self.user = user

    def __repr__(self) -> str:
        return f"<Member {self.user.username} in {self.guild.name}>"

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def member(self) -> GuildMember:
        return self.guild.members[self.user.id]

    @property
    def channel(self) -> Channel:
        """Where this member acts unless told otherwise: the server's first text channel."""
        return self.fake.default_channel(self.guild)

    @property
    def permissions(self) -> int:
        return self.guild.base_permissions(self.user.id)

    @property
    def ephemeral_messages(self) -> list[Message]:
        """Ephemeral replies only this member can see, oldest first."""
        return sorted(self.fake.ephemeral_messages_for(self.user), key=lambda m: m.id)

    @property
    def dms(self) -> list[Message]:
        """What the bot sent this member by DM."""
        return self.fake.dm_messages(self.user)

    def in_guild(self, guild: Guild) -> Member:
        """The same person in another server (they must be a member there)."""
        if self.user.id not in guild.members:
            raise ActorError(f"{self.name} is not a member of {guild.name}")
        return Member(self.fake, guild, self.user)

    # -- slash commands -------------------------------------------------------------------------

    def visible_commands(self) -> list[str]:
        """Top-level command names this member sees in the picker here."""
        return sorted(
            {c["name"] for c in self._synced_commands() if c.get("type", 1) == 1 and self._may_use(c) is None}
        )

    def _synced_commands(self) -> list[JSON]:
        guild_cmds = list(self.fake.commands.get(self.guild.id, {}).values())
        names = {c["name"] for c in guild_cmds}
        global_cmds = [c for c in self.fake.commands.get(None, {}).values() if c["name"] not in names]
        return guild_cmds + global_cmds

    def _may_use(self, command: JSON) -> str | None:
        """Why this member cannot use ``command`` here, or None."""
        contexts = command.get("contexts")
        if contexts is not None and 0 not in contexts:
            return "it is not available in servers"
        if self.user.id in self.fake.command_overrides.get((self.guild.id, command["name"]), set()):
            return None  # an override on the Integrations page lets this member use it
        required = command.get("default_member_permissions")
        if required is not None:
            need = int(required)
            have = self.permissions
            if need == 0 and not have & Perm.ADMINISTRATOR and have != Perm.ALL:
                return "it is disabled for everyone but administrators (default_member_permissions=0)"
            if have & need != need:
                return (
                    f"it requires permissions {need} (default_member_permissions) and {self.name} has {have}"
                )
        return None

    @staticmethod
    def _may_use_in_dm(command: JSON) -> str | None:
        contexts = command.get("contexts")
        if contexts is not None and 1 not in contexts:
            return "it is not available in DMs with the bot"
        if contexts is None and command.get("dm_permission") is False:
            return "it is not available in DMs (dm_permission=false)"
        return None

    def _resolve(self, path: str, *, dm: bool = False) -> _Invocation:
        words = path.strip().lstrip("/").split()
        if not words:
            raise CommandRefused("empty command")
        # Only global commands exist in a DM.
        commands = list(self.fake.commands.get(None, {}).values()) if dm else self._synced_commands()
        synced = {c["name"]: c for c in commands if c.get("type", 1) == 1}
        command = synced.get(words[0])
        if command is None:
            shown = sorted(synced) or "nothing"
            where = "globally (DMs see global commands only)" if dm else f"to {self.guild.name} or globally"
            raise CommandRefused(f"/{words[0]} is not synced {where}; synced: {shown}")
        reason = self._may_use_in_dm(command) if dm else self._may_use(command)
        if reason is not None:
            raise CommandRefused(f"{self.name} cannot run /{words[0]} in {self.guild.name}: {reason}")
        schema: list[JSON] = command.get("options") or []
        for word in words[1:]:
            sub = next((o for o in schema if o.get("type") in (1, 2) and o["name"] == word), None)
            if sub is None:
                names = [o["name"] for o in schema if o.get("type") in (1, 2)]
                raise CommandRefused(f"/{' '.join(words)}: no subcommand {word!r}; there are {names}")
            schema = sub.get("options") or []
        if any(o.get("type") in (1, 2) for o in schema):
            names = [o["name"] for o in schema if o.get("type") in (1, 2)]
            raise CommandRefused(f"/{' '.join(words)} needs a subcommand: one of {names}")
        return _Invocation(command, words, schema)

    def _wrap(self, inv: _Invocation, leaf: list[JSON]) -> JSON:
        options = leaf
        schema: list[JSON] = inv.command.get("options") or []
        chain = []
        for word in inv.words[1:]:
            sub = next(o for o in schema if o["name"] == word)
            chain.append(sub)
            schema = sub.get("options") or []
        for sub in reversed(chain):
            options = [{"type": sub["type"], "name": sub["name"], "options": options}]
        data: JSON = {"id": inv.command["id"], "name": inv.words[0], "type": 1, "options": options}
        if inv.command.get("guild_id"):
            data["guild_id"] = inv.command["guild_id"]
        return data

    def _build_options(
        self, inv: _Invocation, given: dict[str, Any], *, focused: tuple[str, str] | None = None
    ) -> tuple[list[JSON], JSON]:
        by_name = {o["name"]: o for o in inv.leaf_schema}
        cmd = "/" + " ".join(inv.words)
        unknown = set(given) - set(by_name)
        if unknown:
            raise InvalidOptions(f"{cmd} has no option(s) {sorted(unknown)}; it has {sorted(by_name)}")
        if focused is None:
            missing = [o["name"] for o in inv.leaf_schema if o.get("required") and o["name"] not in given]
            if missing:
                raise InvalidOptions(f"{cmd}: required option(s) {missing} not given")
        resolved: JSON = {}
        out: list[JSON] = []
        for name, value in given.items():
            opt = by_name[name]
            out.append(
                {"name": name, "type": opt["type"], "value": self._option_value(cmd, opt, value, resolved)}
            )
        if focused is not None:
            name, current = focused
            typed_into = by_name.get(name)
            if typed_into is None:
                raise InvalidOptions(f"{cmd} has no option {name!r}")
            if not typed_into.get("autocomplete"):
                raise InvalidOptions(f"{cmd} option {name!r} has no autocomplete in the synced schema")
            out = [o for o in out if o["name"] != name]
            out.append({"name": name, "type": typed_into["type"], "value": current, "focused": True})
        return out, resolved

    def _option_value(self, cmd: str, opt: JSON, value: Any, resolved: JSON) -> Any:
        otype, name = opt["type"], opt["name"]
        where = f"{cmd} option {name!r} ({OPTION_TYPE_NAMES.get(otype, otype)})"
        if otype == 3:
            if not isinstance(value, str):
                raise InvalidOptions(f"{where}: expected a string, got {value!r}")
            if "min_length" in opt and len(value) < opt["min_length"]:
                raise InvalidOptions(f"{where}: shorter than min_length {opt['min_length']}")
            if len(value) > opt.get("max_length", 6000):
                raise InvalidOptions(f"{where}: longer than max_length {opt.get('max_length', 6000)}")
        elif otype in (4, 10):
            ok = isinstance(value, int) if otype == 4 else isinstance(value, int | float)
            if not ok or isinstance(value, bool):
                raise InvalidOptions(f"{where}: expected a number, got {value!r}")
            if abs(value) > MAX_SAFE_INTEGER:
                raise InvalidOptions(f"{where}: {value} is outside Discord's range")
            if opt.get("min_value") is not None and value < opt["min_value"]:
                raise InvalidOptions(f"{where}: {value} is below min_value {opt['min_value']}")
            if opt.get("max_value") is not None and value > opt["max_value"]:
                raise InvalidOptions(f"{where}: {value} is above max_value {opt['max_value']}")
        elif otype == 5:
            if not isinstance(value, bool):
                raise InvalidOptions(f"{where}: expected True or False, got {value!r}")
        elif otype in (6, 9) and isinstance(value, Member | User | GuildMember):
            user = value.user if isinstance(value, Member | GuildMember) else value
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            gm = self.guild.members.get(user.id)
            if gm is not None:
                perms = self.guild.permissions_in(user.id, self.channel)
                resolved.setdefault("members", {})[str(user.id)] = gm.payload(
                    with_user=False, permissions=perms
                )
            return str(user.id)
        elif otype in (8, 9) and isinstance(value, Role):
            if value.id not in self.guild.roles:
                raise InvalidOptions(f"{where}: role {value.name} is not in {self.guild.name}")
            resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        elif otype == 7 and isinstance(value, Channel):
            types = opt.get("channel_types")
            if types and value.type not in types:
                raise InvalidOptions(f"{where}: channel type {value.type} not in {types}")
            if value.guild_id != self.guild.id:
                raise InvalidOptions(f"{where}: #{value.name} is not in {self.guild.name}")
            perms = self.guild.permissions_in(self.user.id, value)
            resolved.setdefault("channels", {})[str(value.id)] = {
                "id": str(value.id),
                "name": value.name,
                "type": value.type,
                "permissions": str(perms),
                "guild_id": str(value.guild_id),
                "flags": 0,
            }
            return str(value.id)
        elif otype == 11:
            if not isinstance(value, Upload):
                raise InvalidOptions(f"{where}: expected an Upload, got {value!r}")
            if len(value.data) > MAX_UPLOAD_BYTES:
                raise InvalidOptions(f"{where}: {len(value.data)} bytes is over the upload limit")
            attachment = self.fake.store_attachment(value.filename, value.data, value.content_type)
            # Files attached to a command's option are ephemeral on Discord.
            resolved.setdefault("attachments", {})[attachment["id"]] = {**attachment, "ephemeral": True}
            return attachment["id"]
        else:
            raise InvalidOptions(f"{where}: cannot send {value!r}")
        choices = opt.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise InvalidOptions(
                f"{where}: {value!r} is not one of the choices {[c['value'] for c in choices]}"
            )
        return value

    async def slash(
        self,
        command: str,
        /,
        *,
        channel: Channel | None = None,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
        named: dict[str, Any] | None = None,
        **options: Any,
    ) -> InteractionRecord:
        """Run ``/command`` with ``options``, e.g. ``await alice.slash("quiz start", topic="lora")``.

        With ``wait`` (the default) returns once the bot acknowledged the interaction, and
        raises :class:`NoResponse` if Discord would have shown "The application did not
        respond". The record then holds the reply: ``record.message``, ``record.wait_reply()``.
        ``named`` holds options whose names clash with this method's own keywords (``channel``).
        """
        inv = self._resolve(command)
        opts, resolved = self._build_options(inv, {**(named or {}), **options})
        data = self._wrap(inv, opts)
        if resolved:
            data["resolved"] = resolved
        channel = self._usable_channel(channel)
        record = await self.fake.create_interaction(
            user=self.user,
            guild=self.guild,
            channel=channel,
            type=InteractionType.APPLICATION_COMMAND,
            data=data,
            name=" ".join(inv.words),
        )
        if wait:
            await self._wait_ack(record, timeout)
        return record

    @property
    def dm_channel(self) -> Channel:
        """This member's DM channel with the bot (opened if it is not yet)."""
        return self.fake.dm_channel_with(self.user)

    async def dm_slash(
        self,
        command: str,
        /,
        *,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
        named: dict[str, Any] | None = None,
        **options: Any,
    ) -> InteractionRecord:
        """Run a global ``/command`` in this member's DM with the bot (interaction context 1)."""
        inv = self._resolve(command, dm=True)
        opts, resolved = self._build_options(inv, {**(named or {}), **options})
        data = self._wrap(inv, opts)
        if resolved:
            data["resolved"] = resolved
        record = await self.fake.create_interaction(
            user=self.user,
            guild=None,
            channel=self.dm_channel,
            type=InteractionType.APPLICATION_COMMAND,
            data=data,
            name=" ".join(inv.words),
        )
        if wait:
            await self._wait_ack(record, timeout)
        return record

    async def autocomplete(
        self,
        command: str,
        option: str,
        current: str = "",
        /,
        *,
        channel: Channel | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
        named: dict[str, Any] | None = None,
        **options: Any,
    ) -> list[JSON]:
        """Type ``current`` into ``option`` and return the choices the bot suggested.

        Other options already filled in go in ``options`` (the bot sees them as Discord sends
        them, unvalidated for required-ness, as while typing).
        """
        inv = self._resolve(command)
        opts, resolved = self._build_options(inv, {**(named or {}), **options}, focused=(option, current))
        data = self._wrap(inv, opts)
        focused_type = next(o["type"] for o in inv.leaf_schema if o["name"] == option)
        if resolved:
            data["resolved"] = resolved
        record = await self.fake.create_interaction(
            user=self.user,
            guild=self.guild,
            channel=self._usable_channel(channel),
            type=InteractionType.AUTOCOMPLETE,
            data=data,
            name=" ".join(inv.words),
            focused_type=focused_type,
        )
        await self._wait_ack(record, timeout)
        return list(record.choices or [])

    def _usable_channel(self, channel: Channel | None) -> Channel:
        channel = channel or self.channel
        if channel.guild_id != self.guild.id:
            raise CommandRefused(f"#{channel.name} is not in {self.guild.name}")
        perms = self.guild.permissions_in(self.user.id, channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise CommandRefused(f"{self.name} cannot see #{channel.name}")
        if not perms & Perm.USE_APPLICATION_COMMANDS:
            raise CommandRefused(f"{self.name} may not use application commands in #{channel.name}")
        return channel

    async def _wait_ack(self, record: InteractionRecord, timeout: float) -> None:  # noqa: ASYNC109 (a waiting helper; README)
        await self.fake.wait_for(
            lambda: record.acknowledged or record.failed,
            timeout=timeout,
            what=f"the bot to acknowledge {record}",
        )
        if not record.acknowledged:
            record.reported = True
            raise NoResponse(
                f"{record}: the application did not respond within {self.fake.interaction_deadline} s"
                f"\n{self.fake.describe_state()}"
            )

    # -- components -----------------------------------------------------------------------------

    def _visible_message(self, message: Message | InteractionRecord | int) -> Message:
        if isinstance(message, InteractionRecord):
            found = message.original
            if found is None:
                raise ComponentUnavailable(f"{message} has no message")
            message = found
        msg = self.fake.messages.get(message) if isinstance(message, int) else message
        if msg is None or msg.deleted:
            raise ComponentUnavailable("the message does not exist (or was deleted)")
        if msg.ephemeral_for not in (None, self.user.id):
            raise ComponentUnavailable(f"{self.name} cannot see an ephemeral message meant for someone else")
        dm = self.fake.dm_channels.get(self.user.id)
        if dm is not None and msg.channel_id == dm.id:
            return msg  # in this member's DM with the bot
        channel = self.fake.channels.get(msg.channel_id)
        if channel is None or channel.guild_id != self.guild.id:
            raise ComponentUnavailable(f"the message is not in {self.guild.name}")
        if not self.guild.permissions_in(self.user.id, channel) & Perm.VIEW_CHANNEL:
            raise ComponentUnavailable(f"{self.name} cannot see #{channel.name}")
        return msg

    @staticmethod
    def _find_component(msg: Message, target: str, types: tuple[int, ...]) -> JSON:
        candidates = [c for c in msg.iter_components() if c.get("type") in types]
        by_id = [c for c in candidates if c.get("custom_id") == target]
        if by_id:
            return by_id[0]
        by_label = [
            c
            for c in candidates
            if target in (c.get("label"), c.get("placeholder"), (c.get("emoji") or {}).get("name"))
        ]
        if len(by_label) > 1:
            raise ComponentUnavailable(f"{target!r} matches {len(by_label)} components; use the custom_id")
        if not by_label:
            shown = [c.get("label") or c.get("placeholder") or c.get("custom_id") for c in candidates]
            raise ComponentUnavailable(f"no component {target!r} on the message; it has {shown}")
        return by_label[0]

    async def click(
        self,
        message: Message | InteractionRecord | int,
        target: str,
        *,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
    ) -> InteractionRecord:
        """Click the button whose custom_id or label is ``target``."""
        msg = self._visible_message(message)
        button = self._find_component(msg, target, (2,))
        if button.get("disabled"):
            raise ComponentUnavailable(f"button {target!r} is disabled")
        if button.get("style") in (5, 6) or "custom_id" not in button:
            raise ComponentUnavailable(f"button {target!r} is a link or premium button: no interaction")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        if "id" in button:
            data["id"] = button["id"]
        return await self._component(msg, data, wait=wait, timeout=timeout)

    async def select(
        self,
        message: Message | InteractionRecord | int,
        target: str,
        values: list[str],
        *,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
    ) -> InteractionRecord:
        """Pick ``values`` in the string select whose custom_id or placeholder is ``target``."""
        msg = self._visible_message(message)
        menu = self._find_component(msg, target, (3,))
        if menu.get("disabled"):
            raise ComponentUnavailable(f"select {target!r} is disabled")
        offered = [o["value"] for o in menu.get("options", [])]
        bad = [v for v in values if v not in offered]
        if bad:
            raise ComponentUnavailable(f"select {target!r} has no option(s) {bad}; it offers {offered}")
        low, high = menu.get("min_values", 1), menu.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ComponentUnavailable(f"select {target!r} takes {low}..{high} values, got {len(values)}")
        data = {"custom_id": menu["custom_id"], "component_type": 3, "values": list(values)}
        return await self._component(msg, data, wait=wait, timeout=timeout)

    async def _component(self, msg: Message, data: JSON, *, wait: bool, timeout: float) -> InteractionRecord:  # noqa: ASYNC109 (a waiting helper; README)
        channel = self.fake.any_channel(msg.channel_id)
        record = await self.fake.create_interaction(
            user=self.user,
            guild=self.guild if channel.guild_id is not None else None,
            channel=channel,
            type=InteractionType.MESSAGE_COMPONENT,
            data=data,
            name=data["custom_id"],
            message=msg,
        )
        if wait:
            await self._wait_ack(record, timeout)
        return record

    async def submit_modal(
        self,
        opened_by: InteractionRecord,
        values: dict[str, str],
        *,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
    ) -> InteractionRecord:
        """Fill in the modal the bot showed in answer to ``opened_by`` and submit it."""
        modal = opened_by.modal
        if modal is None:
            raise ComponentUnavailable(f"{opened_by} did not open a modal")
        rows: list[JSON] = []
        seen: set[str] = set()
        for item in modal.get("components", []):
            inner = item.get("components") or ([item["component"]] if "component" in item else [])
            submitted = []
            for comp in inner:
                if comp.get("type") != 4:
                    continue
                cid = comp["custom_id"]
                value = values.get(cid, comp.get("value") or "")
                seen.add(cid)
                if comp.get("required", True) and not value:
                    raise ComponentUnavailable(f"modal field {cid!r} is required")
                if value and len(value) < comp.get("min_length", 0):
                    raise ComponentUnavailable(f"modal field {cid!r} is shorter than {comp['min_length']}")
                if len(value) > comp.get("max_length", 4000):
                    raise ComponentUnavailable(
                        f"modal field {cid!r} is longer than {comp.get('max_length', 4000)}"
                    )
                submitted.append({"type": 4, "custom_id": cid, "value": value})
            if item.get("type") == 18 and submitted:
                rows.append({"type": 18, "component": submitted[0]})
            elif submitted:
                rows.append({"type": 1, "components": submitted})
        unknown = set(values) - seen
        if unknown:
            raise ComponentUnavailable(f"the modal has no text input(s) {sorted(unknown)}")
        source = (
            self.fake.messages.get(opened_by.source_message_id)
            if opened_by.source_message_id is not None
            else None
        )
        channel = self.fake.any_channel(opened_by.channel_id)  # a modal opened in a DM is submitted there
        record = await self.fake.create_interaction(
            user=self.user,
            guild=self.guild if channel.guild_id is not None else None,
            channel=channel,
            type=InteractionType.MODAL_SUBMIT,
            data={"custom_id": modal["custom_id"], "components": rows},
            name=modal["custom_id"],
            message=source,
        )
        if wait:
            await self._wait_ack(record, timeout)
        return record

    # -- raw interactions: what a modified client or a replayed request could send -------------

    async def raw_slash(
        self,
        command: str,
        /,
        *,
        options: list[JSON] | None = None,
        channel: Channel | None = None,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
        named: dict[str, Any] | None = None,
        **values: Any,
    ) -> InteractionRecord:
        """Run a synced ``/command`` with option values the Discord client would refuse to send.

        No schema check: ``raw_slash("quiz start", questions=1000, seconds=-5, topic="x" * 5000)``
        reaches the bot as given (out of range, too long, not a choice, a required one missing,
        an option the command does not have). Each option's type is the synced one, or guessed
        from the value (str 3, bool 5, int 4, float 10); ``options`` replaces the whole list
        (e.g. to send a string where an integer is declared). The command itself must be synced
        and usable by this member: Discord checks that on its side.
        """
        inv = self._resolve(command)
        if options is None:
            by_name = {o["name"]: o for o in inv.leaf_schema}
            options = [
                {
                    "name": name,
                    "type": by_name.get(name, {}).get("type") or _guess_type(value),
                    "value": _raw(value),
                }
                for name, value in {**(named or {}), **values}.items()
            ]
        data = self._wrap(inv, options)
        record = await self.fake.create_interaction(
            user=self.user,
            guild=self.guild,
            channel=self._usable_channel(channel),
            type=InteractionType.APPLICATION_COMMAND,
            data=data,
            name=" ".join(inv.words),
        )
        if wait:
            await self._wait_ack(record, timeout)
        return record

    async def raw_click(
        self,
        message: Message | InteractionRecord | int,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
    ) -> InteractionRecord:
        """A component interaction on ``message`` with any ``custom_id``: one the bot never sent,
        one from a disabled button, a choice beyond the question's. ``values`` (for a select,
        ``component_type=3``) are not checked against its options either. The message must
        still be one this member can see.

        A custom_id no handler of the bot recognises gets no answer, as on Discord ("This
        interaction failed"): expect :class:`NoResponse`, or pass ``wait=False``.
        """
        msg = self._visible_message(message)
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None or component_type == 3:
            data["values"] = list(values or [])
        return await self._component(msg, data, wait=wait, timeout=timeout)

    async def raw_interaction(
        self,
        type: int,
        data: JSON,
        *,
        message: Message | None = None,
        channel: Channel | None = None,
        name: str = "raw",
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
    ) -> InteractionRecord:
        """Any interaction of ``type`` (:class:`InteractionType`) with exactly this ``data``."""
        target = channel or (self.fake.channels[message.channel_id] if message is not None else self.channel)
        record = await self.fake.create_interaction(
            user=self.user,
            guild=self.guild,
            channel=target,
            type=type,
            data=data,
            name=name,
            message=message,
        )
        if wait:
            await self._wait_ack(record, timeout)
        return record

    # -- messages and reactions --------------------------------------------------------------

    async def say(self, content: str, *, channel: Channel | None = None) -> Message:
        """Post a plain message in a channel (the bot gets MESSAGE_CREATE if it asked for it)."""
        channel = channel or self.channel
        perms = self.guild.permissions_in(self.user.id, channel)
        if not perms & Perm.SEND_MESSAGES:
            raise ActorError(f"{self.name} may not send messages in #{channel.name}")
        return await self.fake.post_user_message(self.user, channel, content)

    async def react(self, message: Message | InteractionRecord | int, emoji: str) -> None:
        """Add ``emoji`` (a unicode emoji) to the message, as clicking it in the client does."""
        msg = self._visible_message(message)
        if msg.ephemeral:
            raise ActorError("ephemeral messages cannot have reactions")
        channel = self.fake.channels[msg.channel_id]
        perms = self.guild.permissions_in(self.user.id, channel)
        key = Emoji.parse(emoji)
        if not perms & Perm.READ_MESSAGE_HISTORY:
            raise ActorError(f"{self.name} may not read history in #{channel.name}")
        if key not in msg.reactions and not perms & Perm.ADD_REACTIONS:
            raise ActorError(f"{self.name} may not add new reactions in #{channel.name}")
        await self.fake.set_reaction(self.user, msg, key, add=True)

    async def unreact(self, message: Message | InteractionRecord | int, emoji: str) -> None:
        """Remove this member's ``emoji`` reaction from the message."""
        msg = self._visible_message(message)
        await self.fake.set_reaction(self.user, msg, Emoji.parse(emoji), add=False)


def _guess_type(value: Any) -> int:
    """The option type a raw value would have, for an option the synced schema lacks."""
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, Role):
        return 8
    if isinstance(value, Channel):
        return 7
    if isinstance(value, Member | User | GuildMember):
        return 6
    return 3


def _raw(value: Any) -> Any:
    """A raw option value as it travels: ids as strings, everything else as given."""
    if isinstance(value, Member | GuildMember):
        return str(value.user.id)
    if isinstance(value, User | Role | Channel):
        return str(value.id)
    return value
