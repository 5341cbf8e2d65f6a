"""The managers' figures: the live state of the desk, trends, and ticket exports."""
