"""Interchange formats, one module each: W3C Web Annotation JSON-LD (w3c.py, read in
w3c_read.py), Markdown, Readwise CSV. Pure functions over the shared model: no store, no file
system, no terminal (core.operations does the reading, writing and merging)."""
