"""The library: which documents exist (sources), how their texts are read (loading), and the
set the app shows (catalog)."""
