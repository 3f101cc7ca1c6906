"""`aiwatch config`, `--keys` and `--edit`: the settings file from the command line."""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from aiwatch_tui import cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def config_dir() -> Path:
    return Path(os.environ["AIWATCH_CONFIG_DIR"])


def test_config_prints_its_path_and_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "config")
    assert code == 0 and err == ""
    first, rest = out.split("\n", 1)
    assert first == f"# {config_dir() / 'config.toml'} (not there yet: these are the defaults)"
    settings = tomllib.loads(rest)  # what it prints is a valid settings file
    assert settings == {
        "theme": "textual-dark",
        "reading_width": 80,
        "default_view": "all",
        "default_sort": "library",
        "resume": False,
        "notifications": "all",
        "clipboard": "osc52",
        "keys": {},
    }
    assert not config_dir().exists()  # looking made nothing


def test_config_prints_what_the_file_sets_and_its_problems(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config_dir().mkdir(parents=True)
    path = config_dir() / "config.toml"
    path.write_text(
        'theme = "nord"\nreading_width = 500\n[keys]\n"reader.center_caret" = "ctrl+l"\n'
    )
    code, out, err = run(capsys, "config")
    assert code == 1
    assert err == (
        f"aiwatch: {path}:2: reading_width must be a whole number from 30 to 200, not 500\n"
    )
    settings = tomllib.loads(out.split("\n", 1)[1])
    assert settings["theme"] == "nord" and settings["reading_width"] == 80
    assert settings["keys"] == {"reader.center_caret": "ctrl+l"}


def test_config_keys_lists_every_action_with_its_keys(capsys: pytest.CaptureFixture[str]) -> None:
    config_dir().mkdir(parents=True)
    (config_dir() / "config.toml").write_text('[keys]\n"app.quit" = ["ctrl+q", "Q"]\n')
    code, out, _ = run(capsys, "config", "--keys")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]}
    assert rows["reader.center_caret"][:2] == ["z", "z"]
    assert rows["reader.open_link"][:2] == ["g", "x"]
    assert rows["reader.page_up"][:3] == ["shift+space,", "pageup,", "ctrl+b"]
    assert rows["main.copy"][0] == "y"
    assert rows["app.quit"][:2] == ["ctrl+q,", "Q"]
    assert rows["main.next_highlight"][0] == "]"  # as the file may write it
    # Every name is one the settings file accepts (a [keys] line per action parses clean).
    lines = "".join(f'"{name}" = []\n' for name in rows)
    (config_dir() / "config.toml").write_text("[keys]\n" + lines)
    code, _, err = run(capsys, "config")
    assert code == 0 and err == ""


def test_config_edit_makes_the_file_from_the_template_then_checks_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    # An "editor" that adds a bad line: the path arrives as one argument.
    editor.write_text(
        "import sys\nopen(sys.argv[1], 'a').write('resume = \"often\"\\n')\n", encoding="utf-8"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    folder = config_dir() / "deeper"
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(folder))
    code, _, err = run(capsys, "config", "--edit")
    path = folder / "config.toml"
    assert code == 1
    assert err.splitlines() == [
        f"aiwatch: made {path} from the template",
        # Added at the end, it went into the [keys] table (as TOML reads it): said so.
        f"aiwatch: {path}:{len(path.read_text().splitlines())}: “resume” is a setting: move it "
        "above [keys]",
    ]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("# aiwatch settings (TOML).")


def test_the_readmes_example_settings_file_is_read_without_a_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    config_dir().mkdir(parents=True)
    (config_dir() / "config.toml").write_text(example)
    code, out, err = run(capsys, "config")
    assert (code, err) == (0, "")
    settings = tomllib.loads(out.split("\n", 1)[1])
    assert settings["reading_width"] == 72 and settings["keys"]["main.copy"] == []
    assert settings["default_view"] == "unread"
