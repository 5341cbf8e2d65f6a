"""Workspace language: Indonesian by default, English when picked or preferred."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.web.helpers import add_officer, log_in
from tests.web.test_ticket import add_ticket


def test_indonesian_is_default(app: Flask) -> None:
    page = app.test_client().get("/login").get_data(as_text=True)

    assert "Masuk petugas" in page
    assert '<html lang="id">' in page


def test_english_is_chosen_and_remembered(app: Flask) -> None:
    client = app.test_client()
    chosen = client.get("/login?lang=en").get_data(as_text=True)
    remembered = client.get("/login").get_data(as_text=True)

    assert "Officer login" in chosen
    assert '<html lang="en">' in chosen
    assert "Officer login" in remembered


def test_browser_language_does_not_override_indonesian(app: Flask) -> None:
    page = app.test_client().get(
        "/login", headers={"Accept-Language": "en-GB,en;q=0.9"}
    )

    assert "Masuk petugas" in page.get_data(as_text=True)


def test_ticket_page_in_english(app: Flask) -> None:
    add_officer()
    reference = add_ticket(app, assignee_id=1)
    client = app.test_client()
    log_in(client)

    page = client.get(f"/tickets/{reference}?lang=en").get_data(as_text=True)

    assert "Show NIK" in page
    assert "Internal notes" in page
    assert "New" in page
    assert "Tampilkan NIK" not in page


def test_wrong_password_message_in_english(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    client.get("/login?lang=en")

    response = log_in(client, password="salah")

    assert "Wrong email or password." in response.get_data(as_text=True)


def test_queue_page_in_english(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    log_in(client)

    page = client.get("/tickets?lang=en&date_from=kemarin").get_data(as_text=True)

    assert "My tickets" in page
    assert "Unassigned" in page
    assert "Search ticket number or phone" in page
    assert "Start date “kemarin” is invalid" in page


def test_every_text_has_an_english_translation() -> None:
    from babel.messages.pofile import read_po

    catalog_path = (
        Path(__file__).parents[2] / "web/translations/en/LC_MESSAGES/messages.po"
    )
    with catalog_path.open("rb") as file:
        catalog = read_po(file, locale="en")

    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_language_switch_keeps_filters(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    log_in(client)

    page = client.get("/tickets?topic=kk&status=semua").get_data(as_text=True)

    assert 'href="/tickets?topic=kk&amp;status=semua&amp;lang=en"' in page


def test_topics_and_history_in_english(app: Flask) -> None:
    add_officer()
    reference = add_ticket(app, assignee_id=1)
    client = app.test_client()
    log_in(client)
    client.get("/login?lang=en")

    page = client.get(f"/tickets/{reference}").get_data(as_text=True)

    assert "Electronic identity card (KTP-el)" in page
    assert "Received" in page
