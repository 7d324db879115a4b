"""deposit."""
