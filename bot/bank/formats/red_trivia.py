"""Red-DiscordBot trivia lists: YAML ``question: [accepted answers]``, plus ``AUTHOR``,
``DESCRIPTION`` and ``CONFIG`` keys.

Values are read as written: the YAML is composed with PyYAML's ``BaseLoader``, which resolves
no scalar types, so ``No``, ``Y``, ``1.10`` and ``0x1F`` stay the text their author typed (a
safe loader would turn them into False, True, 1.1 and 31). Each question becomes a short-answer
item whose accepted answers are the list; image URLs stay in the prompt. The file's name is the
server topic (``computers.yaml`` -> ``computers``).
"""

from __future__ import annotations

import re

import yaml

from bot.bank.formats.common import Drafts, FormatResult, tidy
from bot.bank.loader import _Lines

FORMAT = "red-trivia"

META_KEYS = frozenset({"AUTHOR", "CONFIG", "DESCRIPTION"})
# libyaml's composer is ~10x faster and keeps the same marks; both resolve no scalar types.
_Loader: type[yaml.BaseLoader] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def parse_red_trivia(
    text: str, file_name: str, *, lang: str | None = None, topic: str | None = None
) -> FormatResult:
    drafts = Drafts(file_name, FORMAT, lang, topic)
    lines = _Lines(text)  # YAML also ends lines at a lone CR; an editor does not
    try:
        root = yaml.compose(text, Loader=_Loader)  # every scalar stays a str
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # libyaml may point just past the end of the text; the last line is where it ends.
        line = min(lines.at(mark), text.count("\n") + 1) if mark else 1
        drafts.error(line, f"not valid YAML ({exc.problem or exc})")
        return drafts.result()
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        drafts.error(1, f"not valid YAML ({exc})")
        return drafts.result()
    if not isinstance(root, yaml.MappingNode):
        drafts.error(1, "not a trivia list: expected `question: [answers]` lines")
        return drafts.result()
    number = 0
    for key, value in root.value:
        line = lines.of(key)
        if not isinstance(key, yaml.ScalarNode):
            drafts.skip(line, "entry whose question is not text", "a list or mapping as a key")
            continue
        if key.value in META_KEYS:
            continue
        number += 1
        label = f"question {number}"
        prompt = tidy(key.value)
        if isinstance(value, yaml.ScalarNode):
            answers = [value.value] if value.value.strip() else []
        elif isinstance(value, yaml.SequenceNode):
            answers = [v.value for v in value.value if isinstance(v, yaml.ScalarNode)]
            if len(answers) != len(value.value):
                drafts.skip(line, "question with answers that are not text", label)
                continue
        else:
            drafts.skip(line, "question with answers that are not text", label)
            continue
        answers = [tidy(a) for a in answers if a.strip()]
        if not answers:
            drafts.skip(line, "question without answers", label)
            continue
        drafts.add(
            line=line,
            locator=f"q{number:03d}",
            prompt=prompt,
            answer=answers[0],
            accepted=answers,
            label=label,
        )
    if number == 0 and not drafts.errors:
        drafts.error(1, "the list holds no questions")
    return drafts.result()


_ENTRY = re.compile(r"^[^\s#-][^\n]*:\s*\n\s*-\s+\S", re.MULTILINE)


def looks_like(text: str) -> bool:
    return bool(_ENTRY.search(text))
