"""Errors a service raises to tell a member something, without knowing about Discord.

The one error handler (``cogs/errors.py``) shows a :class:`UserFacingError`'s message
ephemerally; anything else is logged with a short code that the member is also shown.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """Tell the member ``message``: what went wrong and what to do instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(UserFacingError):
    pass


class ConflictError(UserFacingError):
    """The action clashes with the current state (a quiz already runs here, ...)."""


class PermissionDeniedError(UserFacingError):
    pass
