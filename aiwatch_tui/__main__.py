"""`python -m aiwatch_tui` runs the same entry point as the `aiwatch` command."""

from aiwatch_tui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
