"""Feeds, web pages and article text: fetching, parsing and extraction (no UI imports)."""
