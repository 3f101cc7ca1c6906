"""A deterministic synthetic corpus of AI-industry news articles for the benchmarks.

Article `i` depends only on (`seed`, `i`), so a small corpus is a prefix of a large one and a
quick run reads the same first files as a full one. About 8 KB per article: a title, five to
nine sections each with a heading and a few paragraphs, a Markdown pipe table in about one
article in five, and some Markdown (`#`/`##`) files among the plain-text ones. Besides the
few hundred words of the templates, every article mentions made-up start-ups and people, so
the vocabulary grows with the corpus the way real news vocabulary does.

    python -m bench.corpus FOLDER [N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CORPUS_VERSION = 1
DEFAULT_SEED = 2024
MANIFEST = "corpus.json"

# fmt: off
COMPANIES = (
    "OpenAI", "Anthropic", "Nvidia", "Google DeepMind", "Meta", "Microsoft", "Amazon",
    "Mistral AI", "xAI", "Cohere", "Hugging Face", "Stability AI", "Perplexity", "Apple", "TSMC",
    "AMD", "Intel", "Samsung", "Baidu", "Alibaba", "ByteDance", "Tencent", "Oracle", "CoreWeave",
    "Databricks", "Scale AI", "Inflection", "Character.AI", "Runway", "Midjourney", "Aleph Alpha",
    "SoftBank", "Arm", "Broadcom", "Micron", "SK Hynix", "Cerebras", "Groq",
)
PEOPLE = (
    ("Sam Altman", "chief executive of OpenAI"), ("Dario Amodei", "Anthropic's chief executive"),
    ("Jensen Huang", "Nvidia's founder"), ("Demis Hassabis", "head of Google DeepMind"),
    ("Satya Nadella", "Microsoft's chief executive"), ("Sundar Pichai", "Google's chief"),
    ("Mark Zuckerberg", "Meta's founder"), ("Elon Musk", "the founder of xAI"),
    ("Lisa Su", "AMD's chief executive"), ("Mustafa Suleyman", "Microsoft AI's chief"),
    ("Arthur Mensch", "Mistral's co-founder"), ("Yann LeCun", "Meta's chief AI scientist"),
    ("Andy Jassy", "Amazon's chief executive"), ("Aidan Gomez", "Cohere's co-founder"),
    ("Clément Delangue", "Hugging Face's chief executive"), ("Fei-Fei Li", "a Stanford professor"),
    ("Margrethe Vestager", "a former EU competition chief"), ("Lina Khan", "a former FTC chair"),
)
PRODUCTS = (
    "GPT-5", "Claude", "Gemini", "Llama", "Grok", "Mistral Large", "Command R", "Sora", "Copilot",
    "Blackwell", "H100", "H200", "MI300X", "Gaudi 3", "TPU v5", "Trainium", "Stable Diffusion",
    "Veo", "Midjourney v7", "Qwen", "Ernie", "DeepSeek-V3", "Phi-4",
)
PLACES = (
    "Texas", "Arizona", "Ohio", "Virginia", "Oregon", "Dublin", "Zürich", "Montréal", "Paris",
    "London", "Taiwan", "Seoul", "Tokyo", "Bengaluru", "Singapore", "Abu Dhabi", "São Paulo",
    "Nevada", "Iowa", "Georgia", "Helsinki", "Kraków", "Tel Aviv", "Toronto", "Shenzhen",
)
TOPICS = (
    "data centers", "export controls", "GPU shortages", "copyright lawsuits", "open weights",
    "model safety", "AI regulation", "inference costs", "energy demand", "water use",
    "chip supply chains", "labour organising", "synthetic data", "AI agents", "benchmarks",
    "content moderation", "deepfakes", "cloud contracts", "sovereign AI", "compute budgets",
    "talent wars", "antitrust scrutiny", "model licensing", "robotics", "edge inference",
)
RESOURCES = (
    "compute", "power", "water", "talent", "data", "chips", "capital", "land",
)
ADJECTIVES = (
    "ambitious", "costly", "controversial", "unprecedented", "fragile", "aggressive", "quiet",
    "sweeping", "hurried", "cautious", "lucrative", "risky", "opaque", "long-awaited",
)
VERBS_PAST = (
    "announced", "delayed", "scrapped", "expanded", "defended", "criticised", "unveiled", "paused",
    "doubled", "questioned", "approved", "blocked", "negotiated", "leaked",
)
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
SYLLABLES = (
    "vel", "ora", "nex", "quan", "tri", "lum", "axi", "zen", "cor", "ith", "mira", "sol", "kai",
    "var", "ton", "rex", "lio", "dyn", "aer", "fil", "gra", "hel", "ius", "jun", "kel", "mor",
)
GIVEN = (
    "Priya", "Tomás", "Ayesha", "Jonas", "Mei", "Olusegun", "Hannah", "Rafael", "Ingrid", "Kenji",
    "Lucía", "Dmitri", "Amara", "Noah", "Zofia", "Farid", "Chloé", "Wei",
)
FAMILY = (
    "Okafor", "Lindqvist", "Ramírez", "Chen", "Novak", "Haddad", "Müller", "Tanaka", "O'Brien",
    "Kowalski", "Mensah", "Duarte", "Sørensen", "Iyer", "Petrov", "Nakamura",
)
TITLES = (
    "{company} Raises {money} to Build {topic_title}",
    "Inside {company}'s {adjective_title} Bet on {topic_title}",
    "Why {person} Thinks {topic_title} Will Decide the Next Decade",
    "{company} and {company2} Clash Over {topic_title}", "The Hidden Cost of {topic_title}",
    "{startup} Emerges From Stealth With {money} for {resource_title}",
    "Workers at {company} Push Back Against {topic_title}",
    "Regulators in {place} Take Aim at {company}", "{product} Launch Puts Pressure on {company}",
    "A {adjective_title} Year for {topic_title}",
    "{company} Quietly Shelves Plans for {place} Campus",
    "How {company} Is Trading {resource_title} for {resource2_title}",
)
HEADINGS = (
    "The Cost of {topic_title}", "What {company} Gets Wrong", "A Race for {resource_title}",
    "Regulators Take Notice", "Inside the {place} Campus", "The View From {company}",
    "Why {resource_title} Matters Now", "What Comes Next", "The Numbers Behind the Deal",
    "A Backlash Builds", "Lessons From {product}", "{person} Makes the Case", "Winners and Losers",
    "The Human Cost", "Following the Money", "The {adjective_title} Timeline",
    "Where {startup} Fits In", "Risks Nobody Priced In", "Questions for {company}",
)
SENTENCES = (
    "{company} {verb} its plans for {topic} in {place} on {weekday}.",
    "{person}, {role}, said the company would spend {money} on {resource} over the "
    "next {n} years.",
    "According to people familiar with the matter, {company} has {verb} a deal with {company2}.",
    "The {adjective} project is expected to consume {n} megawatts of power at full capacity.",
    "Analysts estimate that {topic} now account for {percent} of the sector's capital spending.",
    "Employees described the pace of work as “relentless” and the targets as {adjective}.",
    "{startup}, founded in {year} by {founder}, says its approach cuts {resource} "
    "use by {percent}.",
    "Critics argue that {topic} have outpaced the rules meant to govern them.",
    "Shares of {company} rose {percent} after the announcement, before giving back some gains.",
    "{person} told investors in {month} that demand for {product} still exceeds supply.",
    "The filing, made public in {month} {year}, lists {n} separate risks tied to {topic}.",
    "In {place}, local officials {verb} a permit that would have doubled the site's footprint.",
    "A spokesperson for {company} declined to comment on the {adjective} timeline.",
    "The agreement values {startup} at {money}, roughly {n} times its annual revenue.",
    "Researchers at {company} published results showing {product} trailing on {n} benchmarks.",
    "Unions representing data center technicians have {verb} talks over shift lengths.",
    "The shortage of {resource} has become the binding constraint for {topic}.",
    "Some engineers left for {company2}, citing frustration with {topic}.",
    "{founder} compared the situation to “trading {resource} for {resource2}”.",
    "Neither company disclosed the terms, though {n} people close to the talks put it at {money}.",
    "Training runs for {product} reportedly took {n} days on tens of thousands of chips.",
    "The European Commission {verb} a review of {company}'s conduct under the AI Act.",
    "Investors have poured {money} into {topic} since {year}, much of it into {place}.",
    "Internal documents show {company} weighed the reputational cost of {topic} against revenue.",
    "For now, {company} insists the economics of {topic} will improve as {product} matures.",
)
WEEKDAYS = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]
    table: tuple[tuple[str, ...], ...] = ()  # header row first


@dataclass(frozen=True, slots=True)
class Article:
    number: int
    title: str
    sections: tuple[Section, ...]
    markdown: bool

    @property
    def file_name(self) -> str:
        return f"{self.number:06d}.{'md' if self.markdown else 'txt'}"

    def render(self) -> str:
        lines = [f"# {self.title}" if self.markdown else self.title]
        for section in self.sections:
            lines.append(f"## {section.heading}" if self.markdown else section.heading)
            if self.markdown:
                lines.append("")
            for paragraph in section.paragraphs:
                lines.append(paragraph)
                if self.markdown:
                    lines.append("")
            if section.table:
                lines.extend(_table_lines(section.table))
                if self.markdown:
                    lines.append("")
        return "\n".join(lines).rstrip("\n") + "\n"

    def sentences(self) -> Iterator[str]:
        for section in self.sections:
            for paragraph in section.paragraphs:
                yield from (s.strip() + "." for s in paragraph.split(". ") if s.strip())


def _table_lines(rows: tuple[tuple[str, ...], ...]) -> list[str]:
    header, *body = rows
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return lines


def _title(words: str) -> str:
    # str.title() would turn "AI" into "Ai" and "long-awaited" into "Long-Awaited".
    return " ".join(word[:1].upper() + word[1:] for word in words.split())


class _Writer:
    """Fills templates for one article from its own random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.startups = [self._startup_name() for _ in range(3)]
        self.founders = [self._person_name() for _ in range(2)]

    def _startup_name(self) -> str:
        parts = self.rng.sample(SYLLABLES, self.rng.randint(2, 3))
        return "".join(parts).capitalize() + self.rng.choice(("", " AI", " Labs", " Systems"))

    def _person_name(self) -> str:
        return f"{self.rng.choice(GIVEN)} {self.rng.choice(FAMILY)}"

    def _money(self) -> str:
        if self.rng.random() < 0.5:
            return f"${self.rng.randint(2, 950)} million"
        return f"${self.rng.randint(1, 120)}.{self.rng.randint(0, 9)} billion"

    def fill(self, template: str) -> str:
        rng = self.rng
        company, company2 = rng.sample(COMPANIES, 2)
        person, role = rng.choice(PEOPLE)
        topic = rng.choice(TOPICS)
        resource, resource2 = rng.sample(RESOURCES, 2)
        values = {
            "company": company,
            "company2": company2,
            "person": person,
            "role": role,
            "topic": topic,
            "topic_title": _title(topic),
            "resource": resource,
            "resource2": resource2,
            "resource_title": _title(resource),
            "resource2_title": _title(resource2),
            "place": rng.choice(PLACES),
            "product": rng.choice(PRODUCTS),
            "adjective": rng.choice(ADJECTIVES),
            "adjective_title": _title(rng.choice(ADJECTIVES)),
            "verb": rng.choice(VERBS_PAST),
            "money": self._money(),
            "percent": f"{rng.randint(2, 85)}%",
            "n": str(rng.randint(2, 400)),
            "year": str(rng.randint(2015, 2025)),
            "month": rng.choice(MONTHS),
            "weekday": rng.choice(WEEKDAYS),
            "startup": rng.choice(self.startups),
            "founder": rng.choice(self.founders),
        }
        return template.format(**values)

    def paragraph(self) -> str:
        return " ".join(
            self.fill(self.rng.choice(SENTENCES)) for _ in range(self.rng.randint(3, 7))
        )

    def table(self) -> tuple[tuple[str, ...], ...]:
        header = ("Company", "Funding", "Focus", "Base")
        rows = [header]
        for _ in range(self.rng.randint(3, 6)):
            rows.append(
                (
                    self.rng.choice((*COMPANIES, *self.startups)),
                    self._money(),
                    self.rng.choice(TOPICS),
                    self.rng.choice(PLACES),
                )
            )
        return tuple(rows)


def make_article(number: int, seed: int = DEFAULT_SEED) -> Article:
    rng = random.Random(f"{seed}:{number}")
    writer = _Writer(rng)
    sections = []
    table_at = rng.randrange(8) if rng.random() < 0.2 else -1
    for index in range(rng.randint(5, 9)):
        paragraphs = tuple(writer.paragraph() for _ in range(rng.randint(2, 3)))
        table = writer.table() if index == table_at else ()
        sections.append(Section(writer.fill(rng.choice(HEADINGS)), paragraphs, table))
    title = writer.fill(rng.choice(TITLES))
    return Article(number, title, tuple(sections), markdown=_is_markdown(number, seed))


def _is_markdown(number: int, seed: int) -> bool:
    # Its own stream, so a file's name is known without writing the article.
    return random.Random(f"{seed}:{number}:format").random() < 0.3


def articles(n: int, seed: int = DEFAULT_SEED) -> Iterator[Article]:
    return (make_article(number, seed) for number in range(n))


def generate(folder: Path, n: int, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write articles 0..n-1 into `folder` and return their paths.

    Articles already written for the same seed are kept: article i does not depend on n,
    so a larger corpus only adds files, and a smaller one is a prefix of what is there.
    """
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / MANIFEST
    have = 0
    try:
        written = json.loads(manifest.read_text(encoding="utf-8"))
        if written.get("version") == CORPUS_VERSION and written.get("seed") == seed:
            have = int(written.get("n", 0))
    except (OSError, ValueError, AttributeError):
        pass
    if have == 0:
        for stale in folder.iterdir():
            if stale.suffix in (".txt", ".md"):
                stale.unlink()
    for number in range(have, n):
        article = make_article(number, seed)
        (folder / article.file_name).write_text(article.render(), encoding="utf-8")
    if n > have:
        manifest.write_text(
            json.dumps({"version": CORPUS_VERSION, "seed": seed, "n": n}), encoding="utf-8"
        )
    return [folder / make_name(number, seed) for number in range(n)]


def make_name(number: int, seed: int = DEFAULT_SEED) -> str:
    return f"{number:06d}.{'md' if _is_markdown(number, seed) else 'txt'}"


def palette_candidates(
    total: int = 100_000, quotes: int = 20_000, seed: int = DEFAULT_SEED
) -> list[str]:
    """`total` palette candidates: titles and headings of the first articles, then `quotes`
    highlight-like quotes (whole sentences, as a reader would highlight them)."""
    rng = random.Random(f"{seed}:quotes")
    titles_and_headings: list[str] = []
    sentences: list[str] = []
    number = 0
    while len(titles_and_headings) < total - quotes or len(sentences) < quotes:
        article = make_article(number, seed)
        titles_and_headings.append(article.title)
        titles_and_headings.extend(section.heading for section in article.sections)
        if len(sentences) < 3 * quotes:  # enough to sample from; more would only cost memory
            sentences.extend(article.sentences())
        number += 1
    chosen_quotes = rng.sample(sentences, quotes)
    return titles_and_headings[: total - quotes] + chosen_quotes


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus")
    parser.add_argument("folder", type=Path)
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    paths = generate(args.folder, args.n, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} articles, {size / 1e6:.1f} MB in {args.folder}")


if __name__ == "__main__":
    main()
