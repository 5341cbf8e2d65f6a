"""Helpers shared by the `lokdon` subcommands."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import current_app

from lokdon.exceptions import ConfigurationError
from lokdon.migrate import check_schema

F = TypeVar("F", bound=Callable[..., Any])


def needs_database(command: F) -> F:
    """Stop with a one-line error when the configured database has no tables yet."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_schema(current_app.config["DATABASE_URL"])
        except ConfigurationError as e:
            raise click.ClickException(str(e)) from e

        return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
