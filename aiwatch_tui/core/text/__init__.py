"""Text: bytes decoded, sanitised and parsed into blocks and inlines with offsets."""
