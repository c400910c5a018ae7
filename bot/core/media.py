"""Images named in a question's text: the first ``http(s)`` URL of a picture, to show beside it.

Red-DiscordBot trivia lists (and other people's files) put an image URL in the prompt; the prompt
keeps it as written, and the question card shows that image. Standard library only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
URL_MAX = 2048  # Discord's limit on an embed image's URL
# A URL runs to whitespace, to a character that cannot stand in one unescaped, or to non-ASCII text
# ("见图：https://…/a.png。"); punctuation that usually closes the sentence around it is trimmed.
# (Case folding only for the scheme: folded, the non-ASCII range would shut out "s", "k" and "i".)
_URL = re.compile(r"(?i:https?)://[^\s<>\"'`\\^{|}\x80-\U0010ffff]+")
_TRAILING = ".,;:!?)]"


def _trimmed(url: str) -> str:
    while url and url[-1] in _TRAILING:
        # A closing bracket the URL opened is its own (a Wikipedia path); otherwise it is the text's.
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def is_image_url(url: str) -> bool:
    """Whether ``url`` is an http(s) URL whose path ends in a picture's extension (any query)."""
    # ASCII only: Discord takes the URL as it is, and an unencoded IRI may not load.
    if len(url) > URL_MAX or not url.isascii() or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.hostname)
        and parts.path.lower().endswith(IMAGE_EXTENSIONS)
    )


def image_url(text: str) -> str | None:
    """The first image URL in ``text``, as written there, or None."""
    for match in _URL.finditer(text):
        url = _trimmed(match.group())
        if is_image_url(url):
            return url
    return None
