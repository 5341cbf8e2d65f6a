"""The workspace tests run each request in its own app context, as gunicorn does.

Flask-WTF caches the CSRF token in `g`, which a test-wide app context would share
between requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis

from lokdon import create_app
from tests.conftest import app_config


@pytest.fixture
def app(database_url: str, redis: Redis, tmp_path: Path) -> Iterator[Flask]:
    yield create_app(app_config(database_url, tmp_path))
