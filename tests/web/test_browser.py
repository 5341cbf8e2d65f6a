"""The workspace in headless Chromium: log in, see the queue, log out."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from models import Ticket, db
from tests.web.browser import chromium, serve
from tests.web.helpers import PASSWORD, add_officer
from tickets.reference import format_reference, generate_reference

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def test_officer_logs_in_and_out(app: Flask, tmp_path: Path) -> None:
    agent_id = add_officer()
    mine, waiting = generate_reference(), generate_reference()
    with db.session_scope() as session:
        session.add(Ticket(reference=mine, topic="ktp_el", assignee_id=agent_id))
        session.add(Ticket(reference=waiting, topic="kk"))

    with serve(app) as base_url, chromium() as browser:
        page = browser.new_page()
        page.goto(base_url + "/tickets")
        assert page.url.startswith(base_url + "/login")
        page.fill("#email", "siti@disdukcapil.example")
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.wait_for_url(base_url + "/tickets")

        assert page.inner_text("h1") == "Tiket saya"
        assert format_reference(mine) in page.inner_text("#mine")
        assert format_reference(waiting) in page.inner_text("#unassigned")
        assert "Kartu Keluarga" in page.inner_text("#unassigned")
        page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)

        page.click("#logout")
        page.wait_for_url(base_url + "/login")
        page.goto(base_url + "/tickets")
        assert page.url.startswith(base_url + "/login")


def test_wrong_password_shows_error(app: Flask) -> None:
    add_officer()
    with serve(app) as base_url, chromium() as browser:
        page = browser.new_page()
        page.goto(base_url + "/login")
        page.fill("#email", "siti@disdukcapil.example")
        page.fill("#password", "salah-sekali")
        page.click("#submit")

        assert page.inner_text("[role=alert]") == "Email atau kata sandi salah."
