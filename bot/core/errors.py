"""Errors a service raises to tell a member something, without knowing about Discord.

The one error handler (``cogs/errors.py``) shows a :class:`UserFacingError`'s message
ephemerally; anything else is logged with a short code that the member is also shown.
"""

from __future__ import annotations

from collections.abc import Callable


class UserFacingError(Exception):
    """Tell the member ``message``: what went wrong and what to do instead.

    With ``params`` the message is an English template (``"`{topic}` is not a topic."``) filled in
    with them; the error handler looks the template up in the member's language first
    (:meth:`translated`), so mark a translatable template with ``N_`` where it is written.
    """

    def __init__(self, message: str, **params: object) -> None:
        text = message.format(**params) if params else message
        super().__init__(text)
        self.message = text
        self.template = message
        self.params = params

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language ``gettext`` looks up (English for a template it lacks)."""
        found = gettext(self.template)
        return found.format(**self.params) if self.params else found


class NotFoundError(UserFacingError):
    pass


class ConflictError(UserFacingError):
    """The action clashes with the current state (a quiz already runs here, ...)."""


class PermissionDeniedError(UserFacingError):
    pass
