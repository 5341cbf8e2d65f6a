"""Batched writing of call-start rows, written after the greeting is returned.

The voice webhook is the busiest request and the first thing a caller hears. When
CALL_START_BATCH_SECONDS is above 0, it hands the new call's row to a background thread,
which inserts the rows of many calls in one transaction. A row queued when the process
dies comes back with the call's next webhook (menu choice, recording, or Twilio's status
callback), because each of them stores the call too.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from messaging.phone import normalize_caller
from models import Call, db
from models.base import utcnow
from models.call import IvrStep
from models.db import insert_ignore_many

logger = logging.getLogger(__name__)

# Rows written per transaction at most; a burst larger than this takes several.
MAX_BATCH = 500
# Seconds between attempts while the database rejects the writes.
RETRY_SECONDS = 1.0


class CallStartWriter:
    """A per-process queue of call-start rows, written every `interval` seconds."""

    def __init__(self, interval: float, region: str) -> None:
        self.interval = interval
        self.region = region
        self._rows: list[dict[str, Any]] = []
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, form: Mapping[str, str]) -> None:
        """Queue the call of form["CallSid"]; the row is written within `interval` s."""
        row = {
            "call_sid": form["CallSid"],
            "from_raw": form.get("From", "")[:64],
            "to_number": form.get("To", "")[:64],
            "call_status": form.get("CallStatus", ""),
            "started_at": utcnow(),
        }
        with self._condition:
            self._ensure_thread()
            self._rows.append(row)
            self._condition.notify()

    def flush(self) -> int:
        """Write up to MAX_BATCH queued rows in one transaction; return how many."""
        with self._condition:
            rows, self._rows = self._rows[:MAX_BATCH], self._rows[MAX_BATCH:]

        if not rows:
            return 0

        try:
            with db.session_scope() as session:
                values = [self._values(row) for row in rows]
                insert_ignore_many(session, Call, values, ["call_sid"])
        except Exception:
            with self._condition:
                self._rows[:0] = rows

            raise

        logger.debug("call starts written rows=%s", len(rows))
        return len(rows)

    def flush_all(self) -> None:
        """Write until the queue is empty; called at process exit."""
        while self.pending:
            self.flush()

    @property
    def pending(self) -> int:
        with self._condition:
            return len(self._rows)

    def _values(self, row: Mapping[str, Any]) -> dict[str, Any]:
        from ivr.calls import parse_call_status

        status = parse_call_status(row["call_status"])
        return {
            "call_sid": row["call_sid"],
            "from_raw": row["from_raw"],
            "caller_number": normalize_caller(row["from_raw"], self.region),
            "to_number": row["to_number"],
            "status": status.value,
            "status_rank": status.rank,
            "ivr_step": IvrStep.MENU.value,
            "ivr_step_rank": IvrStep.MENU.rank,
            "started_at": row["started_at"],
        }

    def _ensure_thread(self) -> None:
        # A forked child (gunicorn worker) inherits the object but not the thread.
        if self._thread is not None and self._pid == os.getpid():
            return

        self._pid = os.getpid()
        self._rows = []
        self._thread = threading.Thread(
            target=self._run, name="call-start-writer", daemon=True
        )
        self._thread.start()
        atexit.register(self.flush_all)

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: bool(self._rows))

            self._sleep(self.interval)
            try:
                self.flush_all()
            except Exception:
                logger.exception(
                    "writing call starts failed pending=%s; retrying in %s s",
                    self.pending,
                    RETRY_SECONDS,
                )
                self._sleep(RETRY_SECONDS)

    @staticmethod
    def _sleep(seconds: float) -> None:
        threading.Event().wait(seconds)


def init_app(app: Flask) -> None:
    interval = app.config["CALL_START_BATCH_SECONDS"]
    if interval > 0:
        app.extensions["lokdon.call_starts"] = CallStartWriter(
            interval, app.config["DEFAULT_PHONE_REGION"]
        )


def get_writer() -> CallStartWriter | None:
    """Return the app's writer, or None when call starts are written synchronously."""
    return current_app.extensions.get("lokdon.call_starts")
