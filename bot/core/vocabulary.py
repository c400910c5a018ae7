"""The words the layers share about quizzes: typed, so a misspelling fails where it is written.

Each is a ``StrEnum`` whose values are what the database stores (the migrations' CHECK
constraints list the same words), so a member compares and binds as the plain string.
"""

from __future__ import annotations

from enum import StrEnum


class RoundStatus(StrEnum):
    """Where a round is: taking answers, closed to answers, or revealed (its answer shown)."""

    OPEN = "open"
    CLOSED = "closed"
    REVEALED = "revealed"


class QuizKind(StrEnum):
    """What a session or a round is part of: ``/quiz start``, ``/quiz question``, the question of the day.

    Sessions are ``QUIZ`` or ``SINGLE``; rounds are ``QUIZ`` (of either session) or ``DAILY``.
    """

    QUIZ = "quiz"
    SINGLE = "single"
    DAILY = "daily"


class AnswerMode(StrEnum):
    """How members answer a posted question.

    ``TYPED``: an Answer button opens a box to type the answer in (short-answer questions only).
    It is a quiz's choice, never a server's default answer mode, and the database stores it as
    ``buttons`` with the ``typed`` flag set (migrations/*_typed_answers.sql: SQLite cannot widen
    the CHECK on ``mode`` without rebuilding the tables).
    """

    REACTIONS = "reactions"
    BUTTONS = "buttons"
    TYPED = "typed"
