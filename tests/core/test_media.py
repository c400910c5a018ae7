"""Image URLs in a question's text (bot/core/media.py): what the question card shows as its image."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.media import URL_MAX, image_url, is_image_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Red-DiscordBot lists put the URL at the end of the prompt, or alone on it.
        ("Which flag is this? https://i.imgur.com/Abc123.png", "https://i.imgur.com/Abc123.png"),
        ("https://example.org/flags/fr.jpg", "https://example.org/flags/fr.jpg"),
        ("What is shown?\nhttp://example.org/a/b.jpeg", "http://example.org/a/b.jpeg"),
        ("Name it: https://cdn.example.org/x.gif", "https://cdn.example.org/x.gif"),
        ("Name it: https://cdn.example.org/x.webp", "https://cdn.example.org/x.webp"),
        # Any query string (a CDN's size or signature) and the extension in any case.
        (
            "Which planet? https://media.example.net/p/saturn.PNG?width=640&height=480",
            "https://media.example.net/p/saturn.PNG?width=640&height=480",
        ),
        ("HTTPS://Example.org/A.JPG", "HTTPS://Example.org/A.JPG"),
        # The sentence's punctuation and brackets around the URL are not part of it...
        ("Look (https://example.org/a.png) and answer.", "https://example.org/a.png"),
        ("See https://example.org/a.png?w=1.", "https://example.org/a.png?w=1"),
        ("<https://example.org/a.gif>", "https://example.org/a.gif"),
        ("![map](https://example.org/map.webp)", "https://example.org/map.webp"),
        ('"https://example.org/q.jpg"', "https://example.org/q.jpg"),
        ("见图：https://example.org/a.png。这是哪里？", "https://example.org/a.png"),
        # ...but a bracket the URL opened is its own.
        ("(https://en.example.org/File:Ada_(1843).jpg)", "https://en.example.org/File:Ada_(1843).jpg"),
        # The first image wins; a page link before it is passed over.
        (
            "From https://example.org/article: https://example.org/1.png or https://example.org/2.png",
            "https://example.org/1.png",
        ),
    ],
)
def test_the_first_image_url_in_a_prompt_is_found(text: str, expected: str) -> None:
    assert image_url(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "What does LoRA train?",
        "See https://example.org/article for the details.",
        "https://example.org/a.png.html",  # a page, named after a picture
        "https://example.org/a.pngx",
        "https://example.org/image.svg",  # Discord does not show SVG in embeds
        "https://example.org/a?file=b.png",  # the path is not a picture; only its query names one
        "ftp://example.org/a.png",
        "file:///home/me/a.png",
        "https:///a.png",  # no host
        "a.png",
        "example.org/a.png",  # no scheme: Discord needs a full URL
        "https://例え.jp/a.png",  # an unencoded IRI may not load
    ],
)
def test_text_without_an_image_url_gives_none(text: str) -> None:
    assert image_url(text) is None


def test_a_url_longer_than_discord_takes_is_not_an_image() -> None:
    url = "https://example.org/" + "a" * URL_MAX + ".png"
    assert not is_image_url(url)
    assert image_url(f"Look: {url}") is None
    fits = "https://example.org/" + "a" * (URL_MAX - 40) + ".png"
    assert image_url(f"Look: {fits}") == fits


@given(
    st.text(max_size=200),
    st.sampled_from(["", "https://example.org/x.png", "http://h.example/y.JPEG?q=1", "https://z/"]),
    st.text(max_size=40),
)
def test_any_text_gives_none_or_an_image_url_written_in_it(before: str, url: str, after: str) -> None:
    text = before + url + after
    found = image_url(text)
    assert found is None or (found in text and is_image_url(found))
