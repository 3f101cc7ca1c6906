"""The error an annotation file or URI that cannot be imported raises.

Its own module so that what only catches it (the library's URI resolution, on the reader's
start-up path) does not import the W3C reader, and with it json and html.parser."""

from __future__ import annotations


class InterchangeError(Exception):
    """A file that cannot be imported; str(e) is one line: "<file>: <where>: <what is wrong>"."""
