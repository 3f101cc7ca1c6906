"""The plain-text and Markdown parsers as they were before issue 15 (main at 45f6f01), kept
unchanged but for their imports, as the baseline bench/bench_markdown.py measures against.
Not used by aiwatch."""
