"""The pure core: no Textual or Rich import anywhere below this package (a test enforces it)."""
