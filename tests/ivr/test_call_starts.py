"""Call-start rows written in batches after the greeting is returned."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import func, select

from ivr.call_starts import CallStartWriter, get_writer
from lokdon import create_app
from models import Call, db
from tests.conftest import app_config
from tests.twiml import parse_twiml
from tests.webhooks import call_params, twilio_post


@pytest.fixture
def batch_app(database_url: str, redis: Redis, tmp_path: Path) -> Iterator[Flask]:
    config = app_config(database_url, tmp_path, CALL_START_BATCH_SECONDS=0.05)
    app = create_app(config)
    with app.app_context():
        yield app


def call_count() -> int:
    with db.session_scope() as session:
        return session.scalar(select(func.count()).select_from(Call))


def wait_for_calls(count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while call_count() < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_greeting_returned_before_row_written(batch_app: Flask) -> None:
    client = batch_app.test_client()
    sids = [f"CA{index:032x}" for index in range(20)]
    for call_sid in sids:
        parse_twiml(twilio_post(client, "/ivr/voice", call_params(call_sid)))

    wait_for_calls(len(sids))

    with db.session_scope() as session:
        calls = session.scalars(select(Call).order_by(Call.call_sid)).all()
    assert [call.call_sid for call in calls] == sids
    assert {call.ivr_step for call in calls} == {"menu"}
    assert {call.caller_number for call in calls} == {"+6281200000001"}
    assert get_writer().pending == 0


def test_duplicate_greeting_writes_one_row(batch_app: Flask) -> None:
    client = batch_app.test_client()
    call_sid = "CA" + "e" * 32
    twilio_post(client, "/ivr/voice", call_params(call_sid))
    twilio_post(client, "/ivr/voice", call_params(call_sid))

    get_writer().flush_all()

    assert call_count() == 1


def test_later_webhook_keeps_its_row(batch_app: Flask) -> None:
    """A menu choice stored before the batch runs is not overwritten by it."""
    client = batch_app.test_client()
    call_sid = "CA" + "f" * 32
    writer = get_writer()
    twilio_post(client, "/ivr/voice", call_params(call_sid))
    twilio_post(client, "/ivr/menu/choice?invalid=0", call_params(call_sid, Digits="2"))

    writer.flush_all()

    with db.session_scope() as session:
        call = session.scalars(select(Call)).one()
    assert call.topic == "kk"
    assert call.ivr_step == "recording"


def test_failed_write_keeps_rows_queued(
    batch_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its thread waits a minute, so only this test flushes the writer.
    writer = CallStartWriter(interval=60, region="ID")

    def unavailable(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("ivr.call_starts.insert_ignore_many", unavailable)
    writer.submit(call_params("CA" + "1" * 32))
    with pytest.raises(RuntimeError):
        writer.flush()

    assert writer.pending == 1
    monkeypatch.undo()
    writer.flush_all()
    assert writer.pending == 0
    assert call_count() == 1
