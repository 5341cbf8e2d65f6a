"""The ticket page in headless Chromium: play, seek, correct, change status, reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from rq import Queue, SimpleWorker

from lokdon.redis_client import get_redis
from tests.web.browser import chromium, serve
from tests.web.helpers import PASSWORD, add_officer
from tests.web.test_ticket import add_ticket, audit_actions
from tests.webhooks import ACCOUNT_SID, AUTH_TOKEN
from twilio_sim.cloud import TwilioCloud

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def log_in(page: Page, base_url: str, next_path: str) -> None:
    page.goto(base_url + next_path)
    page.fill("#email", "siti@disdukcapil.example")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(base_url + next_path)


def run_messaging_jobs(app: Flask) -> None:
    with app.app_context():
        redis = get_redis()
        queue = Queue(app.config["MESSAGING_QUEUE"], connection=redis)
        SimpleWorker([queue], connection=redis).work(burst=True)


def test_officer_works_a_ticket(app: Flask, tmp_path: Path) -> None:
    add_officer()
    reference = add_ticket(app, assignee_id=1)
    path = f"/tickets/{reference}"

    with TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, AUTH_TOKEN) as cloud:
        app.config["TWILIO_API_BASE_URL"] = cloud.base_url
        with serve(app) as base_url, chromium() as browser:
            app.config["PUBLIC_BASE_URL"] = base_url
            page = browser.new_page()
            log_in(page, base_url, path)

            assert "[NIK ••••••••••••0001]" in page.inner_text("#transcript")
            assert audit_actions() == ["login"]

            page.locator("#transcript .word").nth(4).click()
            page.wait_for_function(
                "document.getElementById('player').currentTime >= 2.0", timeout=15000
            )
            # The duration is NaN until the browser has read the file's metadata.
            page.wait_for_function(
                "isFinite(document.getElementById('player').duration)", timeout=15000
            )
            duration = page.evaluate("document.getElementById('player').duration")
            assert 9.0 < duration < 9.6
            assert audit_actions() == ["login", "recording_play"]
            page.evaluate("document.getElementById('player').pause()")
            page.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)

            page.click("#unmask")
            assert "empat tujuh satu" in page.inner_text("#transcript")
            page.fill("#correction-text", "KTP elektronik saya belum jadi.")
            page.click("#save-correction")
            assert page.inner_text("#correction") == "KTP elektronik saya belum jadi."

            page.select_option("#new-status", "diproses")
            page.click("#change-status")
            assert page.inner_text("#status") == "Diproses"

            page.fill("#reply-body", "KTP Anda sudah bisa diambil hari Senin.")
            # The reply is enqueued by the form's POST; wait for its response before
            # running the queue.
            with page.expect_navigation():
                page.click("#send-reply")
            run_messaging_jobs(app)
            sent = cloud.wait_for_messages(to="+6281200000001", timeout=10)
            assert [m.body for m in sent] == ["KTP Anda sudah bisa diambil hari Senin."]
            cloud.wait_for_message_callbacks(sent[0].sid, timeout=10)
            page.reload()
            assert "Sampai" in page.inner_text("#messages")
