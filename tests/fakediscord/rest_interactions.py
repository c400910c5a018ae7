"""REST routes for interactions: the callback, then the webhook (original response, follow-ups).

Webhook and callback requests carry no Authorization header, as on Discord.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import limits
from .interactions import CallbackType, InteractionRecord, InteractionType, RejectedCallback
from .models import JSON, Channel, Message, MessageFlag
from .plumbing import ApiError, Route, form_error, one_error, snowflake_of

if TYPE_CHECKING:
    from .server import FakeDiscord


class InteractionRoutes:
    """Interaction callbacks and the interaction webhook."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def routes(self) -> list[Route]:
        return [
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback, False),
            ("POST", "/webhooks/{app_id}/{token}", self.create_followup, False),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self.get_webhook_message, False),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self.edit_webhook_message, False),
            (
                "DELETE",
                "/webhooks/{app_id}/{token}/messages/{message_id}",
                self.delete_webhook_message,
                False,
            ),
        ]

    # -- interactions: the callback ------------------------------------------------------------

    async def interaction_callback(self, request: web.Request, body: Any) -> JSON | None:
        record = self.fake.interactions.get(snowflake_of(request.match_info["interaction_id"]))
        if record is None or record.token != request.match_info["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        try:
            return await self._callback(request, record, body)
        except ApiError as e:
            record.rejected.append(
                RejectedCallback("callback", e.status, e.code, e.message, self.fake.clock())
            )
            raise

    async def _callback(self, request: web.Request, record: InteractionRecord, body: JSON) -> JSON | None:
        if record.age > self.fake.interaction_deadline:
            raise ApiError(404, 10062, "Unknown interaction")
        if record.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        ctype = body.get("type")
        data = body.get("data") or {}
        if body.get("_files"):
            # Files come as multipart parts beside payload_json; they belong to the message in data.
            data = {**data, "_files": body["_files"]}
        allowed = {
            InteractionType.APPLICATION_COMMAND: {4, 5, 9},
            InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            InteractionType.AUTOCOMPLETE: {8},
            InteractionType.MODAL_SUBMIT: {4, 5, 6, 7} if record.source_message_id else {4, 5},
        }[record.type]
        if ctype not in allowed:
            raise form_error(
                one_error(
                    ("type",),
                    f"Interaction callback type {ctype} is not valid for interaction type {record.type}",
                    "INTERACTION_CALLBACK_TYPE_INVALID",
                )
            )
        channel = self.fake.any_channel(record.channel_id)
        message: Message | None = None
        if ctype == CallbackType.CHANNEL_MESSAGE:
            self.fake._validate_new_message(data)
            message = self._store_reply(
                record, channel, data, flags=data.get("flags", 0) & MessageFlag.EPHEMERAL
            )
        elif ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE:
            flags = MessageFlag.LOADING | (data.get("flags", 0) & MessageFlag.EPHEMERAL)
            message = self._store_reply(record, channel, {}, flags=flags)
        elif ctype in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE):
            message = self.fake.messages[record.source_message_id]  # type: ignore[index]
            if ctype == CallbackType.UPDATE_MESSAGE:
                self.fake._apply_edit(message, data)
        elif ctype == CallbackType.AUTOCOMPLETE_RESULT:
            errors = limits.FormErrors()
            choices = data.get("choices")
            if not isinstance(choices, list):
                errors.add(("data", "choices"), limits.CODE_REQUIRED, "This field is required")
            else:
                limits.check_autocomplete_choices(errors, choices, record.focused_type or 3)
            if errors:
                raise form_error(errors)
            record.choices = choices
        elif ctype == CallbackType.MODAL:
            errors = limits.FormErrors()
            if not data.get("title"):
                errors.add(("data", "title"), limits.CODE_REQUIRED, "This field is required")
            errors.check_len(("data", "title"), data.get("title"), limits.MODAL_TITLE_MAX)
            if not data.get("custom_id"):
                errors.add(("data", "custom_id"), limits.CODE_REQUIRED, "This field is required")
            errors.check_len(("data", "custom_id"), data.get("custom_id"), limits.CUSTOM_ID_MAX)
            components = data.get("components") or []
            if not 1 <= len(components) <= 5:
                errors.add(
                    ("data", "components"), limits.CODE_MAX_LENGTH, "Must be between 1 and 5 in length."
                )
            if errors:
                raise form_error(errors)
            record.modal = data
        record.response_type = ctype
        record.responded_at = self.fake.clock()
        record.response_data = data
        if message is not None:
            record.original_message_id = message.id
        if (
            ctype in (CallbackType.CHANNEL_MESSAGE, CallbackType.DEFERRED_CHANNEL_MESSAGE)
            and message is not None
        ):
            if message.ephemeral_for is None:
                await self.fake.gateway.dispatch(
                    "MESSAGE_CREATE", self.fake._message_event(message), guild_id=message.guild_id
                )
        elif ctype == CallbackType.UPDATE_MESSAGE and message is not None:
            await self.fake._dispatch_update(message)
        self.fake.changed()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return None
        out: JSON = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_id": str(message.id) if message is not None else None,
                "response_message_loading": ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message is not None and message.ephemeral),
            }
        }
        if message is not None and ctype != CallbackType.DEFERRED_UPDATE_MESSAGE:
            out["resource"] = {"type": ctype, "message": self.fake._view(message)}
        return out

    def _store_reply(self, record: InteractionRecord, channel: Channel, body: JSON, *, flags: int) -> Message:
        ephemeral = bool(flags & MessageFlag.EPHEMERAL)
        return self.fake._store_message(
            channel,
            self.fake.bot_user,
            body,
            flags=flags,
            type=20 if record.type == InteractionType.APPLICATION_COMMAND else 0,
            ephemeral_for=record.user.id if ephemeral else None,
            interaction=record,
        )

    # -- interactions: the webhook (original response and follow-ups) --------------------------

    def _webhook_record(self, request: web.Request) -> InteractionRecord:
        record = self.fake.interactions_by_token.get(request.match_info["token"])
        if record is None or snowflake_of(request.match_info["app_id"]) != self.fake.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        if record.age > self.fake.token_lifetime:
            self._reject(record, request, ApiError(401, 50027, "Invalid Webhook Token"))
        if not record.acknowledged:
            self._reject(record, request, ApiError(404, 10015, "Unknown Webhook"))
        return record

    def _reject(self, record: InteractionRecord, request: web.Request, error: ApiError) -> None:
        record.rejected.append(
            RejectedCallback(
                request.method + " webhook", error.status, error.code, error.message, self.fake.clock()
            )
        )
        raise error

    def _webhook_message(self, record: InteractionRecord, request: web.Request) -> Message:
        raw = request.match_info["message_id"]
        if raw == "@original":
            mid = record.original_message_id
        else:
            mid = snowflake_of(raw)
            if mid != record.original_message_id and mid not in record.followup_ids:
                mid = None
        msg = self.fake.messages.get(mid) if mid is not None else None
        if msg is None or msg.deleted:
            self._reject(record, request, ApiError(404, 10008, "Unknown Message"))
        assert msg is not None
        return msg

    async def create_followup(self, request: web.Request, body: Any) -> JSON | None:
        record = self._webhook_record(request)
        try:
            self.fake._validate_new_message(body)
        except ApiError as e:
            self._reject(record, request, e)
        original = record.original
        if (
            record.response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE
            and not record.loading_resolved
            and original is not None
        ):
            # Discord: the first follow-up after a deferred response replaces the "thinking"
            # message, and keeps the ephemerality chosen when deferring (flags are ignored).
            original.flags &= ~MessageFlag.LOADING
            record.loading_resolved = True
            self.fake._apply_edit(original, body)
            await self.fake._dispatch_update(original)
            msg = original
        else:
            channel = self.fake.any_channel(record.channel_id)
            msg = self._store_reply(record, channel, body, flags=body.get("flags", 0) & MessageFlag.EPHEMERAL)
            record.followup_ids.append(msg.id)
            if msg.ephemeral_for is None:
                await self.fake.gateway.dispatch(
                    "MESSAGE_CREATE", self.fake._message_event(msg), guild_id=msg.guild_id
                )
        self.fake.changed()
        if request.query.get("wait") in ("1", "true", "True"):
            return self.fake._view(msg)
        return None

    async def get_webhook_message(self, request: web.Request, body: Any) -> JSON:
        record = self._webhook_record(request)
        return self.fake._view(self._webhook_message(record, request))

    async def edit_webhook_message(self, request: web.Request, body: Any) -> JSON:
        record = self._webhook_record(request)
        msg = self._webhook_message(record, request)
        if msg.flags & MessageFlag.LOADING:
            msg.flags &= ~MessageFlag.LOADING
            record.loading_resolved = True
        try:
            self.fake._apply_edit(msg, body)
        except ApiError as e:
            self._reject(record, request, e)
        await self.fake._dispatch_update(msg)
        return self.fake._view(msg)

    async def delete_webhook_message(self, request: web.Request, body: Any) -> None:
        record = self._webhook_record(request)
        msg = self._webhook_message(record, request)
        await self.fake._dispatch_delete(msg)
        return None
