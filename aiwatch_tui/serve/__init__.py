"""`aiwatch serve`: the reader in a web page (textual-serve), and who may open it.

Not part of the core: it imports aiohttp and textual-serve, and only `aiwatch serve` loads it.
"""
