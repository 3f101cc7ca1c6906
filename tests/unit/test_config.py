"""The settings file: every setting read, every problem one line naming the file and the line,
the defaults for the rest; checked against the real app's actions, themes and list sorts."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiwatch_tui.core.config import (
    MAX_CONFIG_BYTES,
    Offer,
    Settings,
    key_spec,
    load_config,
    parse_config,
    template,
)
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.ui.app import AiwatchApp
from aiwatch_tui.ui.keys import key_name
from aiwatch_tui.ui.settings import make_offer, theme_names

OFFER = make_offer(AiwatchApp, theme_names())
PATH = Path("/home/u/.config/aiwatch/config.toml")


def check(text: str | bytes, offer: Offer = OFFER) -> tuple[Settings, list[str]]:
    raw = text.encode() if isinstance(text, str) else text
    loaded = parse_config(raw, PATH, offer)
    return loaded.settings, list(loaded.problems)


def test_no_file_is_every_default(tmp_path: Path) -> None:
    loaded = load_config(tmp_path / "config.toml", OFFER)
    assert loaded.settings == Settings() and loaded.problems == () and not loaded.exists


def test_every_setting_is_read() -> None:
    settings, problems = check(
        'theme = "nord"\nreading_width = 66\ndefault_view = "all"\ndefault_sort = "title"\n'
        'resume = true\nnotifications = "errors"\nclipboard = "off"\n'
        '[keys]\n"reader.line_down" = ["j", "ctrl+n"]\n"reader.center_caret" = "ctrl+l"\n'
    )
    assert problems == []
    assert (settings.theme, settings.reading_width, settings.default_sort) == ("nord", 66, "title")
    assert settings.resume and settings.notifications == "errors" and settings.clipboard == "off"
    assert dict(settings.keys) == {
        "reader.line_down": ("j", "ctrl+n"),
        "reader.center_caret": ("ctrl+l",),
    }


def test_the_template_is_a_valid_file_of_defaults() -> None:
    settings, problems = check(template(OFFER))
    assert problems == [] and settings == Settings()


def test_a_bad_value_is_one_line_with_its_line_and_the_rest_is_kept() -> None:
    text = (
        'theme = "nord"\n\nreading_width = "wide"\nresume = 1\nsort_by = "x"\nclipboard = "yes"\n'
    )
    settings, problems = check(text)
    assert problems == [
        f"{PATH}:3: reading_width must be a whole number from 30 to 200, not “wide”",
        f"{PATH}:4: resume must be true or false, not 1",
        f"{PATH}:5: unknown setting “sort_by” (known: theme, reading_width, default_view, "
        "default_sort, resume, notifications, clipboard, [keys])",
        f"{PATH}:6: clipboard must be one of “osc52”, “off”, not “yes”",
    ]
    assert settings.theme == "nord"  # kept
    assert settings.reading_width == 80 and not settings.resume and settings.clipboard == "osc52"


def test_a_theme_or_a_sort_the_app_does_not_have_is_refused() -> None:
    _, problems = check('theme = "solarised-purple"\ndefault_sort = "by-mood"\n')
    assert problems[0].startswith(f"{PATH}:1: theme must be one of “")
    assert problems[1] == (
        f"{PATH}:2: default_sort must be one of “library”, “title”, “recent”, not “by-mood”"
    )


def test_a_syntax_error_names_its_line_and_leaves_every_default() -> None:
    settings, problems = check('theme = "nord"\nreading_width = 70\nresume = maybe\n')
    assert settings == Settings()
    assert len(problems) == 1 and problems[0].startswith(f"{PATH}:3: TOML syntax: ")


def test_a_file_that_is_not_text_or_too_large_or_a_folder_is_one_line(tmp_path: Path) -> None:
    _, problems = check(b'theme = "nord"\n\n# caf\xe9\n')
    assert problems == [f"{PATH}:3: not UTF-8 text"]
    _, problems = check(b"#" * (MAX_CONFIG_BYTES + 1))
    assert problems == [f"{PATH}: larger than 256 KiB"]
    folder = tmp_path / "config.toml"
    folder.mkdir()
    assert load_config(folder, OFFER).problems == (f"{folder}: is a folder, not a file",)


def test_keys_an_unknown_action_a_bad_key_and_a_key_bound_twice() -> None:
    text = (
        "[keys]\n"
        '"reader.lien_down" = "j"\n'  # 2: no such action
        '"reader.top" = "ctrl+nope"\n'  # 3: no such key
        '"reader.center_caret" = "j"\n'  # 4: j is reader.line_down's, in the same place
        '"reader.bottom" = "ctrl+l"\n'  # 5: fine
        '"reader.top" = "ctrl+l"\n'  # 6: set twice (TOML refuses a repeated key: see below)
    )
    _, problems = check(text)
    assert problems[0].startswith(f"{PATH}:6: TOML syntax: ")  # a key written twice
    settings, problems = check(text.rsplit('"reader.top" = "ctrl+l"\n', 1)[0])
    assert problems == [
        f"{PATH}:2: [keys]: unknown action “reader.lien_down” (aiwatch config --keys lists them)",
        f"{PATH}:3: [keys] reader.top: “ctrl+nope” is not a key (keys look like "
        '"j", "G", "ctrl+e", "pagedown", or "z z" for two in a row)',
        f"{PATH}:4: [keys] reader.center_caret: “j” is already the key of reader.line_down "
        "(line down): give that one another key first",
    ]
    assert dict(settings.keys) == {"reader.bottom": ("ctrl+l",)}


def test_a_key_of_the_app_or_the_main_screen_clashes_in_the_reader_but_not_elsewhere() -> None:
    # q quits everywhere: the reader cannot take it; the help screen (modal) already has it.
    _, problems = check('[keys]\n"reader.top" = "q"\n')
    assert problems == [
        f"{PATH}:2: [keys] reader.top: “q” is already the key of app.quit (quit): give that "
        "one another key first"
    ]
    # Moving quit away first frees q for the reader.
    settings, problems = check('[keys]\n"app.quit" = "ctrl+q"\n"reader.top" = "q"\n')
    assert problems == [] and settings.keys["reader.top"] == ("q",)
    # Keys shared by default stay shared: n is the annotations and the next find match.
    settings, problems = check('[keys]\n"main.find_next" = ["n", "ctrl+g"]\n')
    assert problems == []
    # ctrl+n is the next match in the find box, live on the main screen too.
    _, problems = check('[keys]\n"main.find_next" = ["n", "ctrl+n"]\n')
    assert problems == [
        f"{PATH}:2: [keys] main.find_next: “ctrl+n” is already the key of find.next (next "
        "match): give that one another key first"
    ]


def test_the_same_action_written_quoted_and_dotted_is_set_twice() -> None:
    settings, problems = check('[keys]\n"reader.top" = "ctrl+t"\nreader.bottom = "ctrl+b"\n')
    assert problems == [
        f"{PATH}:3: [keys] reader.bottom: “ctrl+b” is already the key of reader.page_up "
        "(page up): give that one another key first"
    ]
    settings, problems = check('[keys.reader]\ntop = "ctrl+t"\nbottom = "ctrl+o"\n')
    assert problems == [] and dict(settings.keys) == {
        "reader.top": ("ctrl+t",),
        "reader.bottom": ("ctrl+o",),
    }
    _, problems = check('[keys]\n"reader.top" = "ctrl+t"\n[keys.reader]\ntop = "ctrl+o"\n')
    assert problems == [f"{PATH}:4: [keys] reader.top is set twice"]


def test_key_specs_as_people_write_them() -> None:
    assert key_spec("?", key_name) == "question_mark"
    assert key_spec("Ctrl+E", key_name) == "ctrl+e"
    assert key_spec("zz", key_name) == "z z"
    assert key_spec("g x", key_name) == "g x"
    assert key_spec("PageDown", key_name) == "pagedown"
    for bad in ("", "z z z", "ctrl+", "pgdn", "\x1b", "ctrl+shift+shift+a"):
        assert key_spec(bad, key_name) is None, bad
    settings, problems = check('[keys]\n"reader.center_caret" = "zz"\n"app.quit" = []\n')
    assert problems == []
    assert dict(settings.keys) == {"reader.center_caret": ("z z",), "app.quit": ()}


# -- any file parses, or each problem is one line -----------------------------------------------

NAMES = st.sampled_from(
    ["theme", "reading_width", "resume", "default_sort", "clipboard", "keys", "x", "notifications"]
)
ACTIONS = st.sampled_from(
    ["reader.top", "reader.center_caret", "app.quit", "main.highlight", "nope", "list.next"]
)
KEYS = st.sampled_from(["j", "q", "zz", "ctrl+e", "g x", "?", "", "ctrl+bad", "n", "enter"])
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["nord", "title", "osc52", "off", "all", "errors"]),
    st.lists(KEYS, max_size=3),
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + "".join(f"\\u{ord(c):04x}" if not c.isalnum() else c for c in value) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return repr(value)


@st.composite
def settings_files(draw: st.DrawFn) -> str:
    lines = [
        f"{draw(NAMES)} = {_toml_value(draw(SCALARS))}" for _ in range(draw(st.integers(0, 4)))
    ]
    if draw(st.booleans()):
        lines.append("[keys]")
        for _ in range(draw(st.integers(0, 5))):
            value = draw(st.one_of(KEYS, st.lists(KEYS, max_size=3), SCALARS))
            lines.append(f'"{draw(ACTIONS)}" = {_toml_value(value)}')
    return "\n".join(lines) + "\n"


def assert_one_line_each(raw: bytes, settings: Settings, problems: list[str]) -> None:
    lines = raw.count(b"\n") + 1
    for problem in problems:
        # One line, shown safely (one_line has nothing left to replace).
        assert "\n" not in problem and one_line(problem) == problem
        assert problem.startswith(f"{PATH}:") or problem.startswith(f"{PATH}: ")
        place = problem[len(str(PATH)) + 1 :].split(":", 1)[0]
        assert place == "" or place == "end" or 1 <= int(place) <= lines, problem
    # Whatever was read is a value the app can use.
    assert settings.theme is None or settings.theme in OFFER.themes
    assert 30 <= settings.reading_width <= 200
    assert settings.default_sort in OFFER.sorts and settings.default_view in OFFER.views
    assert settings.notifications in ("all", "warnings", "errors")
    assert settings.clipboard in ("osc52", "off")
    for name, specs in settings.keys.items():
        assert name in OFFER.actions and all(" " not in s or s.count(" ") == 1 for s in specs)


@given(settings_files())
def test_any_settings_file_is_read_or_gives_one_line_per_problem(text: str) -> None:
    settings, problems = check(text)
    assert_one_line_each(text.encode(), settings, problems)


@given(
    st.binary(max_size=300) | st.text(alphabet=string.printable + "é\x00\x1b[]=\"'", max_size=300)
)
def test_any_bytes_at_all_are_read_or_give_one_line_per_problem(data: bytes | str) -> None:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    settings, problems = check(raw)
    assert_one_line_each(raw, settings, problems)


@pytest.mark.parametrize("value", ["\x1b[31m", "a\nb", "\u202e"])
def test_a_value_with_control_characters_is_shown_as_symbols(value: str) -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in value)
    _, problems = check(f'theme = "{escaped}"\n')
    assert len(problems) == 1 and "\x1b" not in problems[0] and "\n" not in problems[0]
