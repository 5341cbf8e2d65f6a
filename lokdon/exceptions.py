"""Errors raised while configuring and starting the hotline."""


class ConfigurationError(RuntimeError):
    """A setting is missing or invalid; the message names the variable to set."""
