"""Each format on a fixture written for it: what imports, what is skipped and why, what is an error."""

from __future__ import annotations

from typing import Any

import pytest

from bot.bank.formats import FormatResult, import_text
from bot.bank.formats.common import detect_lang, deterministic_slot, html_to_text, slugify

from . import fixtures as F


def by_prompt(result: FormatResult) -> dict[str, dict[str, Any]]:
    return {item["prompt"]: item for item in result.items}


def skipped(result: FormatResult) -> list[str]:
    return [str(p) for p in result.skipped]


# --- GIFT --------------------------------------------------------------------------------------


def test_gift_imports_choice_true_false_short_and_missing_word_questions() -> None:
    result = import_text(F.GIFT, "net.gift")
    assert result.format == "gift" and not result.errors
    items = by_prompt(result)
    port = items["Which port does HTTPS use by default?"]
    # The partial-credit answer is a wrong choice; general feedback (after ####) is the explanation,
    # and the `//` inside a URL is text, not a comment.
    assert port["choices"] == ["443", "80", "8443"] and port["answer"] == "A"
    assert port["explanation"] == "HTTPS listens on 443; see http://example.org/ports for the list."
    assert port["topics"] == ["routing-basics"]  # the $CATEGORY's last part, slugified
    assert port["id"] == "net-q02" and port["source"] == {"file": "net.gift", "locator": "q02"}
    # Escapes decoded; the name (::esc::) is not part of the prompt.
    escaped = items["Which one is a GIFT control character: { or a?"]
    assert escaped["choices"] == ["{ with \\ before it", "a"]
    # [html] text made plain; true/false with the general feedback as the explanation.
    ttl = items["The TTL field limits a packet's hops."]
    assert ttl["type"] == "true_false" and ttl["answer"] == "A"
    assert ttl["explanation"] == "Each router lowers TTL by one."
    # Short answer: the full-credit answers are accepted, the 50% one is not.
    arp = items["Name the protocol that maps IP addresses to MAC addresses."]
    assert arp["type"] == "short_answer" and arp["answer"] == "ARP"
    assert arp["accepted"] == ["ARP", "Address Resolution Protocol"]
    # Missing word: the gap is shown where the answers were.
    assert items["The _____ protocol guarantees in-order delivery."]["answer"] == "B"
    # [markdown] is removed and the Markdown kept as written.
    assert items["Which is **bold** in Markdown?"]["choices"] == ["`**x**`", "`_x_`"]
    # A line that starts with a URL is no comment either.
    assert "http://example.org says: is this a comment?" in items


def test_gift_skips_each_unsupported_question_with_its_line_and_reason() -> None:
    result = import_text(F.GIFT, "net.gift")
    assert skipped(result) == [
        "net.gift:4: skipped: essay question: question 1 (essay 1)",
        "net.gift:14: skipped: numerical question: question 3",
        "net.gift:16: skipped: matching question: question 4 (match)",
        "net.gift:21: skipped: multiple-answer question: question 5 (multi)",
        "net.gift:27: skipped: question with more than 5 choices: question 6 (six) has 6",
        "net.gift:42: skipped: duplicate question: it repeats the one at line 6",
    ]
    assert len(result.items) == 7


def test_a_gift_file_of_only_essays_says_so() -> None:
    result = import_text(F.GIFT_ONLY_ESSAY, "essays.gift")
    assert result.items == [] and not result.errors
    assert result.why_nothing() == "only essay questions"


def test_a_malformed_gift_file_lists_every_error() -> None:
    result = import_text(F.GIFT_MALFORMED, "bad.gift")
    assert [str(p) for p in result.errors] == [
        "bad.gift:1: question 1 (a): the answer block `{` is never closed with `}`",
        "bad.gift:3: question 2 (b): a `}` closes an answer block that was never opened",
    ]
    assert result.why_nothing() == "the file is malformed (2 errors)"


# --- Aiken -------------------------------------------------------------------------------------


def test_aiken_reads_options_with_or_without_a_space_and_keeps_text_literal() -> None:
    result = import_text(F.AIKEN, "dns.txt")
    assert result.format == "aiken" and not result.errors
    items = by_prompt(result)
    assert items["What does DNS resolve?"]["choices"] == [
        "Names to addresses",
        "Addresses to names",
        "Ports to services",
    ]
    literal = items['Is <html class="cool"> & text kept as written?']
    assert literal["type"] == "true_false" and literal["answer"] == "A"
    assert skipped(result) == ["dns.txt:12: skipped: multiple-answer question: question 3"]


def test_aiken_errors_are_all_listed() -> None:
    result = import_text(F.AIKEN_BROKEN, "broken.txt")
    assert [str(p) for p in result.errors] == [
        "broken.txt:1: question 1: fewer than two options",
        "broken.txt:5: question 2: no `ANSWER: X` line after its options",
        "broken.txt:17: question 4: ANSWER 'Q' is not one of the option letters A, B",
    ]


# --- Moodle XML --------------------------------------------------------------------------------


def test_moodle_xml_imports_and_skips_by_type() -> None:
    result = import_text(F.MOODLE_XML, "cloud.xml")
    assert result.format == "moodle-xml" and not result.errors
    iaas, elastic, s3 = result.items
    assert (
        iaas["prompt"] == "Which model gives you virtual machines?\n\n```\nvm = create()\n  vm.start()\n```"
    )
    assert iaas["choices"] == ["SaaS", "IaaS", "PaaS & FaaS"] and iaas["answer"] == "B"
    assert iaas["explanation"] == "IaaS: infrastructure.\nPaaS: platform."
    assert iaas["topics"] == ["cloud-computing"]
    assert elastic["type"] == "true_false" and elastic["answer"] == "A"
    assert s3["accepted"] == ["S3", "Amazon S3"]
    assert result.lines == [7, 19, 25]
    assert skipped(result) == [
        "cloud.xml:32: skipped: multiple-answer question: question 4 (Two right)",
        "cloud.xml:40: skipped: essay question: question 5 (Essay)",
        "cloud.xml:44: skipped: question of a plugin type: question 6 (K) has type 'kprime'",
    ]


def test_moodle_xml_entities_are_refused_not_expanded() -> None:
    result = import_text(F.XML_BOMB, "bomb.xml")
    assert result.items == []
    assert [str(p) for p in result.errors] == [
        "bomb.xml:1: XML with entity or DTD declarations is refused (EntitiesForbidden)"
    ]


def test_broken_xml_names_the_line() -> None:
    text = F.MOODLE_XML.replace("<single>true</single>", "<single>true</singel>")
    result = import_text(text, "cloud.xml")
    assert len(result.errors) == 1 and result.errors[0].line == 14
    assert "not well-formed XML" in result.errors[0].message


# --- OpenTDB -----------------------------------------------------------------------------------


def test_opentdb_decodes_entities_and_places_the_answer_deterministically() -> None:
    result = import_text(F.OPENTDB, "tdb.json")
    assert result.format == "opentdb" and not result.errors
    cpu, snap, gold, lang = result.items
    assert cpu["prompt"] == 'What does "CPU" stand for?'
    assert cpu["choices"][ord(cpu["answer"]) - ord("A")] == "Central Processing Unit"
    assert cpu["topics"] == ["science-computers"] and cpu["difficulty"] == "easy"
    assert snap["type"] == "true_false" and snap["answer"] == "B"
    assert gold["topics"] == ["science-nature"]  # `Science &amp; Nature`
    assert lang["prompt"] == "Which of these is <b>not</b> a language?"  # entities for literal tags
    # Same answer position on every import; not always A.
    again = import_text(F.OPENTDB, "tdb.json")
    assert [i["choices"] for i in again.items] == [i["choices"] for i in result.items]
    slots = {deterministic_slot(f"question {n}", 4) for n in range(40)}
    assert slots == {0, 1, 2, 3}
    assert {cpu["answer"], gold["answer"], lang["answer"]} != {"A"}


def test_opentdb_error_codes_and_broken_json() -> None:
    result = import_text('{"response_code": 1, "results": []}', "empty.json", "opentdb")
    assert [str(p) for p in result.errors] == [
        "empty.json:1: OpenTDB response_code 1: no results (the API had too few questions for the query)"
    ]
    broken = import_text('{"response_code": 0,\n "results": [\n {"question": }]}', "b.json", "opentdb")
    assert broken.errors[0].line == 3 and "not valid JSON" in broken.errors[0].message


# --- Red trivia --------------------------------------------------------------------------------


def test_red_lists_keep_values_as_written() -> None:
    result = import_text(F.RED, "networking.yaml")
    assert result.format == "red-trivia" and not result.errors
    answers = {i["prompt"]: i["accepted"] for i in result.items}
    assert answers["Is UDP connection-oriented? (answer Yes or No)"] == ["No"]
    assert answers["Which flag answer is a letter?"] == ["Y"]
    assert answers["What version of the protocol came after 1.9?"] == ["1.10"]
    assert answers["What year was TCP/IP standardised on ARPANET?"] == ["1983"]
    # The image URL stays in the prompt; every answer is accepted.
    assert answers["What is shown here? https://i.imgur.com/abcdefg.png"] == ["A router", "Router"]
    assert {i["topics"][0] for i in result.items} == {"networking"}  # the file's name
    assert all(i["type"] == "short_answer" for i in result.items)
    assert skipped(result) == [
        "networking.yaml:19: skipped: duplicate question: it repeats the one at line 17"
    ]


def test_red_list_with_a_yaml_error_names_its_line() -> None:
    result = import_text("Q1?:\n- a\nQ2?: [b\n", "x.yaml", "red-trivia")
    assert result.items == [] and result.errors[0].line in (3, 4)


# --- Anki --------------------------------------------------------------------------------------


def test_anki_export_with_headers_quoted_fields_and_special_columns() -> None:
    result = import_text(F.ANKI_HEADER, "spices.txt")
    assert result.format == "anki-csv" and not result.errors
    basil, cinnamon = result.items
    assert basil["prompt"] == "(mr) bosiljak" and basil["answer"] == "basil"  # HTML, &nbsp; and [sound:]
    assert basil["accepted"] == ["basil"] and basil["topics"] == ["spices-zacini"]
    assert cinnamon["answer"] == "cinnamon\na bark" and "accepted" not in cinnamon  # not a typed answer
    assert result.lines == [7, 10]
    assert skipped(result) == ["spices.txt:11: skipped: cloze note: note 3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            F.ANKI_PLAIN_TAB,
            [("docker ps", "List running containers"), ("docker rm [c]", "Remove a container")],
        ),
        (F.ANKI_COMMA, [("2 + 2", "4"), ("What is this?", "a list, with commas")]),
    ],
)
def test_anki_without_headers_or_with_named_columns(text: str, expected: list[tuple[str, str]]) -> None:
    result = import_text(text, "deck.csv")
    assert result.format == "anki-csv" and not result.errors
    assert [(i["prompt"], i["answer"]) for i in result.items] == expected


# --- checkbox-md (task lists) ------------------------------------------------------------------


def test_task_list_markdown_questions() -> None:
    result = import_text(F.TASKLIST_MD, "quiz.md")
    assert result.format == "checkbox-md" and not result.errors
    first, code = result.items
    assert first["prompt"] == "Which layer does IP belong to?" and first["answer"] == "B"
    assert first["explanation"] == "IP routes packets between networks."
    assert code["prompt"].endswith('```python\nprint("- [x] not an option")\n```')  # code stays code
    assert code["choices"] == ["`- [x] not an option`", "nothing"]
    assert skipped(result) == [
        "quiz.md:20: skipped: multiple-answer question: Q3 has 2 [x] options",
        "quiz.md:26: skipped: question without - [ ]/- [x] options: Q4 (its key may be only in prose)",
    ]


# --- shared: language, topics, text -----------------------------------------------------------


def test_language_is_detected_and_lang_overrides() -> None:
    assert detect_lang("LoRA 微调时冻结哪些权重？") == "zh"
    assert detect_lang("What does 微调 mean in this sentence about tuning?") == "en"
    zh = "什么是低秩适配？ {=LoRA ~全量微调}\n\n模型是否需要对齐？ {T}\n"
    result = import_text(zh, "zh.gift")
    assert [i["lang"] for i in result.items] == ["zh", "zh"]
    assert result.items[1]["choices"] == ["对", "错"]
    forced = import_text(zh, "zh.gift", lang="en")
    assert [i["lang"] for i in forced.items] == ["en", "en"] and forced.items[1]["choices"] == [
        "True",
        "False",
    ]


def test_topic_option_wins_over_category_and_file_name() -> None:
    assert {i["topics"][0] for i in import_text(F.GIFT, "net.gift", topic="My Club!").items} == {"my-club"}
    assert {i["topics"][0] for i in import_text(F.OPENTDB, "tdb.json", topic="trivia").items} == {"trivia"}
    # The seed shapes keep their guessed taxonomy topics unless --topic is given.
    seed = '[{"question": "Why use LoRA?", "answer_a": "x", "answer_b": "y", "correct_answer": "A"}]'
    assert import_text(seed, "q.json").items[0]["topics"] == ["lora"]
    assert import_text(seed, "q.json", topic="club").items[0]["topics"] == ["club"]
    assert (
        slugify("Science: Computers") == "science-computers" and slugify("Spices - začini") == "spices-zacini"
    )


def test_html_is_made_text_with_line_breaks_and_code_kept() -> None:
    assert html_to_text("<p>a&nbsp;&amp;&lt;b&gt;</p><p>next<br>line</p>") == "a &<b>\n\nnext\nline"
    assert html_to_text("<pre>def f():\n    return 1</pre>") == "```\ndef f():\n    return 1\n```"


def test_known_prompts_are_duplicates() -> None:
    known = {"which port does https use by default": "g-net-q02"}
    result = import_text(F.GIFT, "net.gift", known=known)
    assert "net.gift:6: skipped: duplicate question: the bank already has it (g-net-q02)" in skipped(result)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("essay question", "essay questions"),
        ("question with more than 5 choices", "questions with more than 5 choices"),
        ("question of a plugin type", "questions of a plugin type"),
        ("entry whose question is not text", "entries whose question is not text"),
        ("cloze note", "cloze notes"),
    ],
)
def test_skip_kinds_pluralise_their_head_noun(kind: str, expected: str) -> None:
    from bot.bank.formats.common import plural

    assert plural(kind) == expected
