"""aiwatch: a terminal reader and annotator for articles about the AI industry."""

__version__ = "0.1.0"
