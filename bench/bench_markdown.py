"""Parsing 5 MB of Markdown and of plain text: the parser before issue 15 (bench/baseline)
against today's.

`python -m bench --only markdown`. Both parsers run on the same texts, taking turns (the
machine is shared, so a slow moment hits both alike); each figure is the best CPU time of
the rounds. The corpora:

* the CommonMark spec examples repeated to 5 MB (the figure issue 15 quotes: about 2.3 s
  for the old parser on this 2-core machine), when shared/conformance is beside the repo;
* a generated Markdown article (headings, lists, emphasis, links, code, tables), in plain
  ASCII, in English with typographic quotes and dashes, and in Russian;
* a hard-wrapped plain-text document.
"""

from __future__ import annotations

import gc
import random
import textwrap
import time
from collections.abc import Callable

from aiwatch_tui.core.text.markdown import parse_markdown
from aiwatch_tui.core.text.plain import parse_plain
from aiwatch_tui.core.text.structure import document_title
from bench.baseline.parse import parse as baseline_parse

TARGET_BYTES = 5 * 1024 * 1024

_ENGLISH = (
    "the model was trained on a large corpus of text and code released under an open licence "
    "researchers said benchmark results improved while inference costs fell sharply across "
    "providers data centres chips memory bandwidth latency agents tools evaluation safety"
).split()
_RUSSIAN = (
    "модель была обучена на большом корпусе текстов и кода выпущенном под открытой лицензией "
    "исследователи сказали что результаты тестов улучшились а стоимость вывода резко упала"
).split()


def _sentence(rng: random.Random, words: list[str], typographic: bool) -> str:
    out = [rng.choice(words) for _ in range(rng.randint(8, 22))]
    k = rng.randrange(len(out))
    roll = rng.random()
    if roll < 0.15:
        out[k] = f"*{out[k]}*"
    elif roll < 0.25:
        out[k] = f"**{out[k]}**"
    elif roll < 0.35:
        out[k] = f"[{out[k]}](https://example.com/{k})"
    elif roll < 0.42:
        out[k] = f"`{out[k]}`"
    elif roll < 0.5 and typographic:
        out[k] = f"“{out[k]}”"
    sentence = " ".join(out)
    if typographic and rng.random() < 0.3:
        sentence += " — it’s said"
    return sentence[0].upper() + sentence[1:] + "."


def markdown_article(words: list[str], *, typographic: bool = False, seed: int = 15) -> str:
    """A Markdown article of about TARGET_BYTES UTF-8 bytes."""
    rng = random.Random(seed)
    parts = ["# A long report\n"]
    size = 0
    section = 0
    while size < TARGET_BYTES:
        roll = rng.random()
        if roll < 0.06:
            section += 1
            part = f"## Section {section}\n"
        elif roll < 0.16:
            part = "".join(f"- {_sentence(rng, words, typographic)}\n" for _ in range(4))
        elif roll < 0.19:
            part = "```python\n" + "".join(f"x{i} = {i} * 2\n" for i in range(6)) + "```\n"
        elif roll < 0.21:
            part = "| a | b | c |\n|---|---|---|\n" + "".join(
                f"| {rng.choice(words)} | {i} | `{i * 3}` |\n" for i in range(5)
            )
        elif roll < 0.24:
            part = "> " + _sentence(rng, words, typographic) + "\n"
        else:
            sentences = [_sentence(rng, words, typographic) for _ in range(rng.randint(2, 6))]
            part = " ".join(sentences) + "\n"
        parts.append(part)
        size += len(part.encode())
    return "\n".join(parts)


def spec_examples_5mb() -> str | None:
    """The CommonMark spec examples, one after another, repeated to TARGET_BYTES."""
    try:
        from tests.markdown_scorer import COMMONMARK_SPEC, load_examples
    except ImportError:
        return None
    if not COMMONMARK_SPEC.is_file():
        return None
    one = "\n\n".join(example.markdown for example in load_examples(COMMONMARK_SPEC))
    copies = TARGET_BYTES // len(one.encode()) + 1
    return "\n\n".join([one] * copies)[:TARGET_BYTES]


def plain_text(*, wrapped: bool, seed: int = 15) -> str:
    """A plain-text document of about TARGET_BYTES: numbered sections with a title line,
    paragraphs hard-wrapped at 72 columns or one per line, a few lists and indented
    examples."""
    rng = random.Random(seed)
    parts = ["A Long Report on the Industry"]
    size = 0
    section = 0
    while size < TARGET_BYTES:
        roll = rng.random()
        if roll < 0.06:
            section += 1
            part = f"{section}. Section Number {section}"
        elif roll < 0.1:
            part = "\n".join(f"  - {_sentence(rng, _ENGLISH, False)}" for _ in range(3))
        elif roll < 0.12:
            part = "\n".join(f"    make target{i} --flag={i}" for i in range(4))
        else:
            paragraph = " ".join(_sentence(rng, _ENGLISH, False) for _ in range(rng.randint(2, 6)))
            paragraph = paragraph.replace("*", "").replace("`", "")
            part = "\n".join(textwrap.wrap(paragraph, 72)) if wrapped else paragraph
        parts.append(part)
        size += len(part) + 2
    return "\n\n".join(parts) if wrapped else "\n".join(parts)


def _cpu(parse: Callable[[str], object], text: str) -> float:
    gc.collect()
    start = time.process_time()
    parse(text)
    return time.process_time() - start


def old_markdown(text: str) -> object:
    return baseline_parse(text, markdown=True)


def old_plain(text: str) -> object:
    return baseline_parse(text, markdown=False)


def new_plain(text: str) -> object:
    parsed = parse_plain(text)
    return document_title(text, parsed.blocks, parsed.inlines)


def new_markdown(text: str) -> object:
    parsed = parse_markdown(text)
    front = parsed.front_matter
    return document_title(text, parsed.blocks, parsed.inlines, front.title if front else "")


def compare(
    text: str, old: Callable[[str], object], new: Callable[[str], object], rounds: int
) -> tuple[float, float]:
    """Best CPU seconds of (old, new), taking turns."""
    best_old = best_new = float("inf")
    for _ in range(rounds):
        best_old = min(best_old, _cpu(old, text))
        best_new = min(best_new, _cpu(new, text))
    return best_old, best_new


def corpora(quick: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    spec = spec_examples_5mb()
    if spec is not None:
        found["spec examples"] = spec
    found["article, ASCII"] = markdown_article(_ENGLISH)
    if not quick:
        found["article, typographic"] = markdown_article(_ENGLISH, typographic=True)
        found["article, Russian"] = markdown_article(_RUSSIAN)
    return found


def cat_spec_examples() -> float | None:
    """Wall seconds of one `aiwatch cat --json` run over the 655 spec examples, each its own
    file (the issue asks for "a second or two"), start-up included."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    try:
        from tests.markdown_scorer import COMMONMARK_SPEC, load_examples
    except ImportError:
        return None
    if not COMMONMARK_SPEC.is_file():
        return None
    with tempfile.TemporaryDirectory() as folder:
        names = []
        for number, example in enumerate(load_examples(COMMONMARK_SPEC)):
            path = Path(folder) / f"{number:03d}.md"
            path.write_text(example.markdown, encoding="utf-8")
            names.append(str(path))
        command = [sys.executable, "-m", "aiwatch_tui", "cat", "--json", *names]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def run(quick: bool = False) -> list[dict[str, object]]:
    rounds = 2 if quick else 5
    rows: list[dict[str, object]] = []
    for name, text in corpora(quick).items():
        old, new = compare(text, old_markdown, new_markdown, rounds)
        rows.append(
            {
                "metric": f"parse 5 MB Markdown ({name}), old -> new",
                "value": new,
                "unit": "s",
                "target": f"<= old {old:.3f} (ratio {new / old:.2f})",
            }
        )
    plain = {"plain text, hard-wrapped": plain_text(wrapped=True)}
    if not quick:
        plain["plain text, a paragraph per line"] = plain_text(wrapped=False)
    for name, text in plain.items():
        old, new = compare(text, old_plain, new_plain, rounds)
        rows.append(
            {
                "metric": f"parse 5 MB {name}, old -> new",
                "value": new,
                "unit": "s",
                "target": f"<= old {old:.3f} (ratio {new / old:.2f})",
            }
        )
    cat = cat_spec_examples()
    if cat is not None:
        rows.append(
            {
                "metric": "aiwatch cat --json, 655 spec examples (files)",
                "value": cat,
                "unit": "s",
                "target": "<= 2",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
