"""The Redis connection that carries the RQ queues, one per app."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis


def init_app(app: Flask) -> None:
    """Create the app's Redis client; a webhook waits at most REDIS_SOCKET_TIMEOUT
    seconds to connect or for a reply.
    """
    timeout = app.config["REDIS_SOCKET_TIMEOUT"]
    app.extensions["lokdon.redis"] = Redis.from_url(
        app.config["REDIS_URL"],
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )


def get_redis() -> Redis:
    """Return the current app's Redis client."""
    return current_app.extensions["lokdon.redis"]
