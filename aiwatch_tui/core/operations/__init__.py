"""What the command line and the app both do: open the library, list it, import, export,
search, and look the installation over (doctor). Nothing here prints: functions return data
and one-line messages, and raise StoreError, DocumentError or InterchangeError (all one line)
for the caller to show. Every location comes from one Paths (aiwatch_tui.paths)."""
