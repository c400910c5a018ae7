"""/about, /quiz topics and the topic autocompletes offer only what can be asked (issue 13 item 6).

A short answer is not a quiz question until something plays it, and a topic with nothing to ask
is not offered: no ``dpo`` with zero questions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from tests.fakediscord import FakeDiscord, StudyServer

pytestmark = pytest.mark.e2e

BANK = """\
version: 1
items:
  - id: s903-q01
    type: single_choice
    lang: en
    topics: [lora, peft]
    prompt: What does LoRA train?
    choices: [Every weight, Two low-rank matrices, The tokenizer]
    answer: B
    explanation: LoRA trains a low-rank update beside each adapted weight.
    source: {file: test.txt, locator: q1}
  - id: s903-q02
    type: single_choice
    lang: zh
    topics: [lora]
    prompt: LoRA 训练什么？
    choices: [全部权重, 两个低秩矩阵, 分词器]
    answer: B
    explanation: LoRA 在每个被适配的权重旁训练一个低秩更新。
    source: {file: test.txt, locator: q2}
  - id: s903-q03
    type: single_choice
    lang: en
    topics: [sft]
    prompt: What does SFT train on?
    choices: [Labelled pairs, Preferences, Nothing]
    answer: A
    explanation: Supervised fine-tuning trains on input and output pairs.
    source: {file: test.txt, locator: q3}
  - id: s903-sa1
    type: short_answer
    lang: en
    topics: [dpo]
    prompt: Explain what DPO optimises.
    answer: The policy's preference for chosen over rejected answers, without a reward model.
    explanation: DPO turns the RLHF objective into a classification loss on preference pairs.
    source: {file: test.txt, locator: sa1}
  - id: s903-sa2
    type: short_answer
    lang: en
    topics: [sft]
    prompt: Explain SFT.
    answer: Training on labelled pairs.
    explanation: That is what supervised means.
    source: {file: test.txt, locator: sa2}
"""


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "bank.yaml").write_text(BANK, encoding="utf-8")
    return folder


async def test_about_and_quiz_topics_count_only_quiz_questions(
    fake: FakeDiscord, world: StudyServer, start_bot, bank_dir: Path
) -> None:
    await start_bot(clock=FakeClock(), bank_dir=bank_dir)

    about = (await world.alice.slash("about")).message.embeds[0]
    fields = {f["name"]: f["value"] for f in about["fields"]}
    assert fields["Question bank"] == "3 quiz questions (2 en, 1 zh)"  # not the 2 short answers
    assert fields["Topics"] == "SFT 1, LoRA 2, PEFT 1"  # no dpo: only a short answer there

    listing = (await world.alice.slash("quiz topics")).message.embeds[0]["description"].splitlines()
    assert listing == ["`sft` SFT: 1 en", "`lora` LoRA: 1 en, 1 zh", "`peft` PEFT: 1 en"]
    offered = [c["value"] for c in await world.alice.autocomplete("quiz start", "topic", "")]
    assert offered == ["sft", "lora", "peft"]
    assert await world.alice.autocomplete("quiz question", "topic", "dp") == []
    daily = [c["value"] for c in await world.admin.autocomplete("daily setup", "topic", "")]
    assert daily == ["sft", "lora", "peft"]


async def test_a_server_is_offered_only_the_topics_it_enabled_in_its_language(
    fake: FakeDiscord, world: StudyServer, start_bot, bank_dir: Path
) -> None:
    bot = await start_bot(clock=FakeClock(), bank_dir=bank_dir)
    async with bot.db.transaction() as conn:
        await GuildSettingsRepository.save(
            conn, GuildSettings(guild_id=world.guild.id, topics_enabled=("lora",), default_language="zh"), 0
        )

    listing = (await world.alice.slash("quiz topics")).message.embeds[0]["description"].splitlines()
    # PEFT's question is a LoRA question too, so a quiz on PEFT here can ask it.
    assert listing == ["`lora` LoRA: 1 en, 1 zh", "`peft` PEFT: 1 en"]
    offered = [c["value"] for c in await world.alice.autocomplete("quiz start", "topic", "")]
    assert offered == ["lora", "peft"]
    about = {f["name"]: f["value"] for f in (await world.alice.slash("about")).message.embeds[0]["fields"]}
    assert about["Question bank"] == "2 quiz questions (1 en, 1 zh)"
    # The question of the day is asked in the server's language (zh): only LoRA has one.
    daily = [c["value"] for c in await world.admin.autocomplete("daily setup", "topic", "")]
    assert daily == ["lora"]
