"""The ticket queue in headless Chromium: filter, search and take."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page

from models import Ticket, db
from tests.web.browser import chromium, serve
from tests.web.helpers import PASSWORD, add_officer
from tickets.reference import format_reference, generate_reference

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

START = datetime(2025, 3, 3, 1, 15, tzinfo=UTC)


def seed_demo(siti: int, budi: int) -> dict[str, str]:
    """Insert a realistic morning of complaints: several topics, statuses, channels."""
    demo = {
        "ktp_siti": ("ktp_el", "diproses", "phone", "+6281234567890", siti),
        "kk_siti": ("kk", "menunggu_warga", "whatsapp", "+6285271112233", siti),
        "akta_budi": ("akta", "diproses", "phone", "+6281365554321", budi),
        "kk_waiting": ("kk", "baru", "phone", "+6282283334455", None),
        "pindah_waiting": ("pindah_datang", "baru", "whatsapp", "+6281277776666", None),
        "data_waiting": ("data_kependudukan", "baru", "phone", None, None),
        "ktp_closed": ("ktp_el", "selesai", "phone", "+6281299990000", siti),
    }
    references = {}
    with db.session_scope() as session:
        for minutes, (key, values) in enumerate(demo.items()):
            topic, status, channel, caller, assignee = values
            references[key] = generate_reference()
            session.add(
                Ticket(
                    reference=references[key],
                    topic=topic,
                    status=status,
                    channel=channel,
                    caller_number=caller,
                    assignee_id=assignee,
                    created_at=START + timedelta(minutes=17 * minutes),
                )
            )

    return references


def log_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/tickets")
    page.fill("#email", "siti@disdukcapil.example")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(base_url + "/tickets")


def test_officer_filters_searches_and_takes(app: Flask, tmp_path: Path) -> None:
    siti = add_officer(name="Siti Rahmawati")
    budi = add_officer("budi@disdukcapil.example", name="Budi Santoso")
    refs = seed_demo(siti, budi)

    with serve(app) as base_url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="id-ID")
        log_in(page, base_url)
        mine = page.inner_text("#mine")
        assert format_reference(refs["ktp_siti"]) in mine
        assert format_reference(refs["akta_budi"]) not in mine
        assert format_reference(refs["ktp_closed"]) not in mine
        assert "*" * 11 + "890" in mine
        page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)

        page.select_option("#topic", "kk")
        page.click("#apply")
        page.wait_for_url("**topic=kk**")
        assert page.input_value("#topic") == "kk"
        assert format_reference(refs["kk_siti"]) in page.inner_text("#mine")
        assert format_reference(refs["ktp_siti"]) not in page.inner_text("#mine")
        unassigned = page.inner_text("#unassigned")
        assert format_reference(refs["kk_waiting"]) in unassigned
        assert format_reference(refs["pindah_waiting"]) not in unassigned

        page.goto(base_url + "/tickets")
        page.fill("#q", format_reference(refs["pindah_waiting"]))
        page.click("#apply")
        page.wait_for_url("**q=**")
        assert page.inner_text("#unassigned-count") == "Menampilkan 1–1 dari 1"
        assert page.inner_text("#mine-count") == "Tidak ada tiket."

        row = page.locator(f"tr[data-reference='{refs['pindah_waiting']}']")
        row.locator("button.take").click()
        page.wait_for_load_state()
        assert "sekarang Anda tangani" in page.inner_text("[role=status]")
        assert page.input_value("#q") == format_reference(refs["pindah_waiting"])
        assert format_reference(refs["pindah_waiting"]) in page.inner_text("#mine")
        assert page.inner_text("#unassigned-count") == "Tidak ada tiket."
