"""CI runs what the README says it runs: the README's test command, ruff and mypy."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = re.search(r"Install and run the whole test suite:\s*```sh\n(.+?)\n```", readme, re.S)
    lint = re.search(r"- Lint: `(.+?)`", readme)
    assert setup is not None and lint is not None, "the README lost its test or lint command"
    test_command = setup.group(1).split(" && ")[-1]  # after the set-up of the venv
    return [test_command, *lint.group(1).split(" && ")]


def test_ci_runs_the_readme_s_test_command_ruff_and_mypy() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = _readme_commands()
    assert len(commands) == 4  # pytest, ruff check, ruff format --check, mypy
    runs = [line.strip() for line in ci.splitlines()]
    for command in commands:
        assert any(line.endswith(command) for line in runs), f"CI does not run: {command}"
