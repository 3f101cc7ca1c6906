"""Finding: fuzzy ranking (the palette, filters), find-in-document, and the full-text index."""
