"""Errors of the phone menu."""


class IvrError(Exception):
    """Base class of phone menu errors."""


class PromptsFileError(IvrError):
    """The prompts file is missing, unreadable or lacks a prompt."""
