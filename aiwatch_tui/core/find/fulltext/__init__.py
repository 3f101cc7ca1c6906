"""The full-text index: an SQLite FTS5 database in the cache folder (derived data)."""
