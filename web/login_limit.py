"""Limit on failed logins per email address and per client address, kept in Redis."""

from __future__ import annotations

import logging

from flask import current_app
from redis.exceptions import RedisError

from lokdon.redis_client import get_redis

logger = logging.getLogger(__name__)


def failure_keys(email: str, remote_addr: str) -> list[str]:
    return [
        f"lokdon:login-failures:email:{email.lower()}",
        f"lokdon:login-failures:ip:{remote_addr}",
    ]


def is_blocked(email: str, remote_addr: str) -> bool:
    """Return whether either counter has reached LOGIN_MAX_FAILURES.

    When Redis is unreachable logins stay possible, because locking every officer out
    is worse than a short window without the limit; the gap is logged.
    """
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    try:
        counts = get_redis().mget(failure_keys(email, remote_addr))
    except RedisError as e:
        logger.warning("login limit unavailable, Redis error=%s", e)
        return False

    return any(int(count or 0) >= limit for count in counts)


def record_failure(email: str, remote_addr: str) -> None:
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    try:
        pipeline = get_redis().pipeline()
        for key in failure_keys(email, remote_addr):
            pipeline.incr(key)
            pipeline.expire(key, window, nx=True)
        pipeline.execute()
    except RedisError as e:
        logger.warning("login failure not counted, Redis error=%s", e)


def clear_failures(email: str) -> None:
    """Reset the email's counter after a successful login; the address keeps its own."""
    try:
        get_redis().delete(failure_keys(email, "")[0])
    except RedisError as e:
        logger.warning("login failures not cleared, Redis error=%s", e)
