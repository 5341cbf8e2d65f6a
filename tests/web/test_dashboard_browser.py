"""The managers' pages in headless Chromium: the live view following a simulated
call, the trend charts of seeded tickets, and the CSV export."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from models.base import utcnow
from tests.conftest import DATA_DIR
from tests.reports.seed import add_ticket
from tests.web.browser import chromium, serve
from tests.web.helpers import PASSWORD, add_officer
from tests.webhooks import ACCOUNT_SID, AUTH_TOKEN
from twilio_sim.call import SimulatedCall
from twilio_sim.cloud import TwilioCloud
from twilio_sim.events import CallEvent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
SUPERVISOR = "andi@disdukcapil.example"
# Seconds Playwright waits for the live view to show a change; it refreshes every 1 s.
LIVE_TIMEOUT_MS = 15000


def log_in(page: Page, base_url: str, path: str, email: str = SUPERVISOR) -> None:
    page.goto(base_url + path)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(base_url + path)


class CallPauses:
    """A pause of a simulated call at each chosen event until the test releases it, so
    the page can be checked while the caller is at that step."""

    def __init__(self, stops: list[Callable[[CallEvent, list[str]], bool]]) -> None:
        self.stops = stops
        self.kinds: list[str] = []
        self.reached = [threading.Event() for _ in stops]
        self.released = [threading.Event() for _ in stops]

    def on_event(self, event: CallEvent) -> None:
        index = sum(1 for reached in self.reached if reached.is_set())
        matched = index < len(self.stops) and self.stops[index](event, self.kinds)
        self.kinds.append(event.kind)
        if matched:
            self.reached[index].set()
            assert self.released[index].wait(60), "the test never released the call"

    def wait(self, index: int) -> None:
        assert self.reached[index].wait(30), f"the call never reached stop {index}"

    def release(self, index: int) -> None:
        self.released[index].set()


def first_say(event: CallEvent, kinds: list[str]) -> bool:
    return event.kind == "say"


def recording_done(event: CallEvent, kinds: list[str]) -> bool:
    return event.kind == "recording"


def say_after_recording(event: CallEvent, kinds: list[str]) -> bool:
    return event.kind == "say" and "recording" in kinds


def test_live_view_follows_call(app: Flask) -> None:
    add_officer(SUPERVISOR, role="supervisor", name="Andi Supervisor")
    app.config["DASHBOARD_REFRESH_SECONDS"] = 1
    pauses = CallPauses([first_say, recording_done, say_after_recording])

    with TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, AUTH_TOKEN) as cloud:
        app.config["TWILIO_API_BASE_URL"] = cloud.base_url
        with serve(app) as base_url, chromium() as browser:
            app.config["PUBLIC_BASE_URL"] = base_url
            page = browser.new_page()
            log_in(page, base_url, "/dashboard")
            expect(page.locator("#calls-today")).to_have_text("0")

            call = SimulatedCall(
                cloud,
                f"{base_url}/ivr/voice",
                "+6281200000009",
                "+62761571000",
                presses=["1"],
                speak_path=DATA_DIR / "ktp.wav",
                status_callback_url=f"{base_url}/ivr/status",
                on_event=pauses.on_event,
            )
            thread = threading.Thread(target=call.run, daemon=True)
            thread.start()
            try:
                pauses.wait(0)
                expect(page.locator("#calls-in-menu")).to_have_text(
                    "1", timeout=LIVE_TIMEOUT_MS
                )
                expect(page.locator("#calls-today")).to_have_text("1")
                pauses.release(0)

                pauses.wait(1)
                expect(page.locator("#calls-recording")).to_have_text(
                    "1", timeout=LIVE_TIMEOUT_MS
                )
                expect(page.locator("#calls-in-menu")).to_have_text("0")
                pauses.release(1)

                pauses.wait(2)
                expect(page.locator("#calls-hearing-reference")).to_have_text(
                    "1", timeout=LIVE_TIMEOUT_MS
                )
                expect(page.locator("#recordings-waiting")).to_have_text("1")
                expect(page.locator("#calls-today-ticket")).to_have_text("1")
                pauses.release(2)
            finally:
                for index in range(len(pauses.stops)):
                    pauses.release(index)
                thread.join(timeout=30)

            expect(page.locator("#calls-hearing-reference")).to_have_text(
                "0", timeout=LIVE_TIMEOUT_MS
            )
            expect(page.locator("#calls-today-no-complaint")).to_have_text("0")
            # With no worker running, the transcription waits in the queue.
            expect(page.locator("#jobs-queued")).not_to_have_text("0")
            assert page.locator("#live-status").is_hidden()


def seed_trends(supervisor_id: int) -> None:
    now = utcnow()
    for weeks_ago, topic, resolved_days in [
        (0, "ktp_el", 1),
        (0, "ktp_el", None),
        (1, "kk", 2),
        (1, "ktp_el", 20),
        (2, "akta", 3),
    ]:
        add_ticket(
            now - timedelta(weeks=weeks_ago),
            topic=topic,
            assignee_id=supervisor_id,
            resolved_after=timedelta(days=resolved_days)
            if resolved_days is not None
            else None,
        )


def test_trend_charts_and_export(app: Flask, tmp_path: Path) -> None:
    supervisor_id = add_officer(SUPERVISOR, role="supervisor", name="Andi Supervisor")
    seed_trends(supervisor_id)

    with serve(app) as base_url, chromium() as browser:
        page = browser.new_page(accept_downloads=True)
        log_in(page, base_url, "/dashboard/trends")

        bars = page.locator("#chart-topics rect.bar")
        assert bars.count() == 12 * 3
        values = [
            int(value)
            for value in bars.evaluate_all("bars => bars.map(bar => bar.dataset.value)")
        ]
        assert sum(values) == 5
        assert page.inner_text("#total-opened") == "5"
        assert page.locator("#chart-share-officer rect.share").count() == 1
        chart_box = page.locator("#chart-topics svg").bounding_box()
        assert chart_box is not None
        assert chart_box["width"] > 300

        page.select_option("#topic", "ktp_el")
        page.click("#apply")
        page.wait_for_url("**topic=ktp_el**")
        assert page.inner_text("#total-opened") == "3"

        with page.expect_download() as download_info:
            page.click("#export")
        path = tmp_path / "export.csv"
        download_info.value.save_as(path)

    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3
    assert {row["Topik"] for row in rows} == {"KTP elektronik"}
    assert all(row["Telepon"].endswith("001") for row in rows)
    assert all(row["Telepon"].startswith("*") for row in rows)
