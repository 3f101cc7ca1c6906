"""Which documents exist: bundled seeds and the files and folders a user names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aiwatch_tui.core.library import sources
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.library.sources import (
    Source,
    bundled_sources,
    discover,
    document_key,
    seeds_dir,
)
from aiwatch_tui.core.uris import SEED_PREFIX

REPO_SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_seeds_dir_holds_the_seed_articles() -> None:
    folder = seeds_dir()
    assert (folder / "000_c10daa536b93aa76.txt").is_file()
    assert (folder / "002_c41b6d65e56e1798.txt").is_file()


def test_seeds_dir_prefers_the_copy_inside_an_installed_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "aiwatch_tui"
    (package / "core").mkdir(parents=True)
    (package / "seeds").mkdir()
    monkeypatch.setattr(sources, "__file__", str(package / "core" / "library" / "sources.py"))
    assert seeds_dir() == (package / "seeds").resolve()
    (package / "seeds").rmdir()  # a checkout: no copy in the package, use <repo>/seeds
    assert seeds_dir() == (tmp_path / "site-packages" / "seeds").resolve()


def test_bundled_sources_are_keyed_by_name_in_name_order() -> None:
    sources = bundled_sources()
    names = sorted(p.name for p in REPO_SEEDS.iterdir() if p.suffix in (".txt", ".md"))
    assert [s.key for s in sources] == [SEED_PREFIX + name for name in names]
    assert all(s.path.parent == seeds_dir() for s in sources)
    first = sources[0].path
    assert first is not None
    assert load_document(first).key == sources[0].key


def test_document_key_is_the_resolved_path_except_for_seeds(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("x")
    link = tmp_path / "link.txt"
    link.symlink_to(article)
    assert document_key(link) == str(article.resolve())
    assert document_key(REPO_SEEDS / "000_c10daa536b93aa76.txt") == (
        "seeds/000_c10daa536b93aa76.txt"
    )


def make_tree(root: Path) -> None:
    files = [
        "b.txt",
        "A.md",
        "notes.pdf",
        "sub/z.markdown",
        "sub/deeper/c.txt",
        "sub/.hidden.txt",
        ".private/d.txt",
        "c.TXT",
    ]
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name}\n")


def relative(sources: list[Source], root: Path) -> list[str]:
    return [str(s.path.relative_to(root)) for s in sources]


def test_discover_walks_folders_in_name_order(tmp_path: Path) -> None:
    make_tree(tmp_path)
    sources, problems = discover([tmp_path])
    assert relative(sources, tmp_path) == [
        "A.md",
        "b.txt",
        "c.TXT",
        "sub/deeper/c.txt",
        "sub/z.markdown",
    ]
    assert problems == []
    assert [s.key for s in sources] == [str(s.path.resolve()) for s in sources]


def test_discover_takes_named_files_as_given_and_drops_duplicates(tmp_path: Path) -> None:
    make_tree(tmp_path)
    named = tmp_path / "notes.pdf"
    sources, problems = discover(
        [named, tmp_path / "b.txt", tmp_path, tmp_path / "sub" / ".." / "b.txt"]
    )
    assert relative(sources, tmp_path)[:2] == ["notes.pdf", "b.txt"]
    assert len(sources) == len({s.key for s in sources}) == 6
    assert problems == []


def test_discover_survives_a_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a.txt").write_text("a")
    (tmp_path / "one" / "back").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self").symlink_to(tmp_path / "self")
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    sources, problems = discover([tmp_path])
    assert relative(sources, tmp_path) == ["one/a.txt"]
    assert problems == [f"{tmp_path / 'self.txt'}: too many levels of symbolic links"]


def test_discover_reports_problems_and_keeps_going(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("fine")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    missing = tmp_path / "missing.md"
    sources, problems = discover([missing, fifo, tmp_path])
    assert relative(sources, tmp_path) == ["good.txt"]  # a pipe found in a folder is skipped
    assert problems[:2] == [
        f"{missing}: no such file or folder",
        f"{fifo}: not a regular file (it is a named pipe)",
    ]
    assert problems[2] == f"{tmp_path / 'dangling.txt'}: broken symbolic link"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_discover_reports_an_unreadable_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (tmp_path / "ok.txt").write_text("ok")
    locked.chmod(0)
    try:
        sources, problems = discover([tmp_path])
    finally:
        locked.chmod(0o700)
    assert relative(sources, tmp_path) == ["ok.txt"]
    assert problems == [f"{locked}: permission denied"]


def test_problem_lines_never_carry_control_characters(tmp_path: Path) -> None:
    _, problems = discover([tmp_path / "bad\nname\x1b[31m.txt"])
    (problem,) = problems
    assert "\n" not in problem and "\x1b" not in problem
