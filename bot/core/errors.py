"""Errors a service raises to tell a member something, without knowing about Discord.

The one error handler (``cogs/errors.py``) shows a :class:`UserFacingError`'s message
ephemerally, in the member's language; anything else is logged with a short code that the member
is also shown.
"""

from __future__ import annotations

from bot.core.i18n import Plural, Text


class UserFacingError(Exception):
    """Tell the member ``message``: what went wrong and what to do instead.

    ``message`` is an English msgid marked where it is written (``N_("`{topic}` is not a topic.")``,
    or ``Nn_(singular, plural)`` with a ``count`` parameter), filled in with ``params``; the error
    handler renders it in the member's language (:meth:`translated`), English for a msgid the
    catalogue lacks. ``str(error)`` and :attr:`message` are the English text (logs, the terminal).
    A ready :class:`~bot.core.i18n.Text` (a stored reason read back) may be given instead.
    """

    def __init__(self, message: str | Plural | Text, **params: object) -> None:
        self.text = message if isinstance(message, Text) else Text(message, params)
        english = self.text.render()
        super().__init__(english)
        self.message = english
        self.template = self.text.message
        self.params = dict(self.text.params)

    def translated(self, lang: object) -> str:
        """The message in ``lang``: a language, a Discord locale or a :class:`Translator` (or, as
        before plurals, a bare ``gettext`` function, for a singular message)."""
        if callable(lang) and isinstance(self.template, str):
            found = lang(self.template)
            return found.format(**self.params) if self.params else found
        return self.text.render(lang)


class NotFoundError(UserFacingError):
    pass


class ConflictError(UserFacingError):
    """The action clashes with the current state (a quiz already runs here, ...)."""


class PermissionDeniedError(UserFacingError):
    pass
