"""The Twilio simulator shared by the job tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhooks import ACCOUNT_SID, AUTH_TOKEN
from twilio_sim.cloud import TwilioCloud


@pytest.fixture
def cloud() -> Iterator[TwilioCloud]:
    with TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, AUTH_TOKEN) as started:
        yield started
