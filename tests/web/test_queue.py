"""The ticket queue: lists, filters, search, paging, take and reassign, query count."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, insert, select
from stdnum import damm

from models import Agent, Ticket, TicketEvent, db
from models.base import utcnow
from tests.web.helpers import add_officer, csrf_token, log_in
from tickets.calendar import WorkingCalendar, get_calendar
from tickets.reference import format_reference

SITI = "siti@disdukcapil.example"
BUDI = "budi@disdukcapil.example"
RINA = "rina@disdukcapil.example"
START = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def get_calendar_in_app(app: Flask) -> WorkingCalendar:
    with app.app_context():
        return get_calendar()


def reference(body: str) -> str:
    return body + damm.calc_check_digit(body)


def add_ticket(body: str, minutes: int = 0, **values: Any) -> str:
    """Insert a ticket created minutes after START; return its reference."""
    ref = reference(body)
    values.setdefault("topic", "ktp_el")
    with db.session_scope() as session:
        session.add(
            Ticket(
                reference=ref, created_at=START + timedelta(minutes=minutes), **values
            )
        )

    return ref


def logged_in(app: Flask, email: str = SITI) -> FlaskClient:
    client = app.test_client()
    assert log_in(client, email=email).status_code == 302
    return client


def rows(page: str, list_id: str) -> list[str]:
    """Return the references of a list's rows, in page order."""
    table = page.split(f'<table id="{list_id}">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-reference="(\d+)"', table)


def get(client: FlaskClient, query: str = "") -> tuple[int, str]:
    response = client.get("/tickets" + query)
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def officers(app: Flask) -> dict[str, int]:
    return {
        "siti": add_officer(SITI),
        "budi": add_officer(BUDI, name="Budi Santoso"),
        "rina": add_officer(RINA, role="supervisor", name="Rina Kurniawati"),
    }


def test_agent_sees_own_and_unassigned_oldest_first(
    app: Flask, officers: dict[str, int]
) -> None:
    later = add_ticket("1000001", 30, assignee_id=officers["siti"])
    earlier = add_ticket("1000002", 10, assignee_id=officers["siti"])
    add_ticket("1000003", 5, assignee_id=officers["budi"])
    waiting_late = add_ticket("1000004", 40)
    waiting_early = add_ticket("1000005", 1)

    status, page = get(logged_in(app))

    assert status == 200
    assert "<h1>Tiket saya</h1>" in page
    assert rows(page, "mine") == [earlier, later]
    assert rows(page, "unassigned") == [waiting_early, waiting_late]


def test_supervisor_sees_all_assigned(app: Flask, officers: dict[str, int]) -> None:
    siti_ticket = add_ticket("1000001", 1, assignee_id=officers["siti"])
    budi_ticket = add_ticket("1000002", 2, assignee_id=officers["budi"])

    status, page = get(logged_in(app, RINA))

    assert status == 200
    assert "<h1>Semua tiket</h1>" in page
    assert rows(page, "mine") == [siti_ticket, budi_ticket]
    assert "Budi Santoso" in page


def test_officer_filter(app: Flask, officers: dict[str, int]) -> None:
    siti_ticket = add_ticket("1000001", 1, assignee_id=officers["siti"])
    add_ticket("1000002", 2, assignee_id=officers["budi"])
    waiting = add_ticket("1000003", 3)
    client = logged_in(app, RINA)

    _, page = get(client, f"?officer={officers['siti']}")
    _, unassigned = get(client, "?officer=none")
    status, invalid = get(client, "?officer=siti")

    assert rows(page, "mine") == [siti_ticket]
    assert rows(page, "unassigned") == []
    assert rows(unassigned, "mine") == []
    assert rows(unassigned, "unassigned") == [waiting]
    assert status == 400
    assert "Petugas “siti” tidak dikenal" in invalid


def test_deadline_filter(app: Flask, officers: dict[str, int]) -> None:
    now = utcnow()
    calendar_deadline = get_calendar_in_app(app).deadline
    late = add_ticket("1000001", 1, resolution_due=now - timedelta(hours=1))
    # No first response by its deadline: late as well.
    unanswered = add_ticket(
        "1000002",
        2,
        first_response_due=now - timedelta(hours=1),
        resolution_due=now + timedelta(days=20),
    )
    near = add_ticket("1000003", 3, resolution_due=calendar_deadline(now, 1))
    add_ticket("1000004", 4, resolution_due=calendar_deadline(now, 5))
    client = logged_in(app)

    _, overdue_page = get(client, "?deadline=lewat")
    _, near_page = get(client, "?deadline=dekat")
    status, _ = get(client, "?deadline=besok")

    assert rows(overdue_page, "unassigned") == [late, unanswered]
    assert rows(near_page, "unassigned") == [near]
    assert status == 400


def test_status_filter(app: Flask, officers: dict[str, int]) -> None:
    new = add_ticket("1000001", 1, status="baru")
    waiting = add_ticket("1000002", 2, status="menunggu_warga")
    resolved = add_ticket("1000003", 3, status="selesai")
    closed = add_ticket("1000004", 4, status="ditutup")
    client = logged_in(app)

    assert rows(get(client)[1], "unassigned") == [new, waiting]
    assert rows(get(client, "?status=selesai")[1], "unassigned") == [resolved]
    everything = rows(get(client, "?status=semua")[1], "unassigned")
    assert everything == [new, waiting, resolved, closed]
    assert 'value="selesai" selected' in get(client, "?status=selesai")[1]


def test_topic_and_channel_filters(app: Flask, officers: dict[str, int]) -> None:
    ktp_phone = add_ticket("1000001", 1, topic="ktp_el", channel="phone")
    kk_phone = add_ticket("1000002", 2, topic="kk", channel="phone")
    kk_whatsapp = add_ticket("1000003", 3, topic="kk", channel="whatsapp")
    client = logged_in(app)

    _, by_topic = get(client, "?topic=kk")
    _, by_channel = get(client, "?channel=whatsapp")
    _, both = get(client, "?topic=kk&channel=phone")

    assert rows(by_topic, "unassigned") == [kk_phone, kk_whatsapp]
    assert 'value="kk" selected' in by_topic
    assert rows(by_channel, "unassigned") == [kk_whatsapp]
    assert 'value="whatsapp" selected' in by_channel
    assert rows(both, "unassigned") == [kk_phone]
    assert ktp_phone in rows(get(client)[1], "unassigned")


def test_date_filter_uses_wib_days_inclusive(
    app: Flask, officers: dict[str, int]
) -> None:
    # START is 2025-03-03 09:00 WIB; 17:30 UTC on 3 March is 00:30 on 4 March in WIB.
    third = add_ticket("1000001", 0)
    late_third = add_ticket("1000004", 14 * 60 + 30)
    fourth_wib = add_ticket("1000002", 15 * 60 + 30)
    fifth = add_ticket("1000003", 2 * 24 * 60)
    client = logged_in(app)

    _, from_fourth = get(client, "?date_from=2025-03-04")
    _, until_fourth = get(client, "?date_to=2025-03-04")
    _, only_fourth = get(client, "?date_from=2025-03-04&date_to=2025-03-04")

    assert rows(from_fourth, "unassigned") == [fourth_wib, fifth]
    assert 'value="2025-03-04"' in from_fourth
    assert rows(until_fourth, "unassigned") == [third, late_third, fourth_wib]
    assert rows(only_fourth, "unassigned") == [fourth_wib]


def test_invalid_filters_show_messages(app: Flask, officers: dict[str, int]) -> None:
    add_ticket("1000001", 1)
    client = logged_in(app)

    bad_date, date_page = get(client, "?date_from=2025-02-30")
    swapped, swapped_page = get(client, "?date_from=2025-03-05&date_to=2025-03-01")
    bad_topic, topic_page = get(client, "?topic=%3Cscript%3E")
    bad_status, status_page = get(client, "?status=hilang&page_mine=x")

    assert bad_date == 400
    assert "Tanggal awal “2025-02-30” tidak valid" in date_page
    assert swapped == 400
    assert "jatuh setelah tanggal akhir" in swapped_page
    assert bad_topic == 400
    assert "Topik “&lt;script&gt;” tidak dikenal" in topic_page
    assert "<script>" not in topic_page
    assert bad_status == 400
    assert "Status “hilang” tidak dikenal" in status_page
    assert "Halaman “x” tidak valid" in status_page
    assert len(rows(date_page, "unassigned")) == 1


def test_search_by_reference(app: Flask, officers: dict[str, int]) -> None:
    first = add_ticket("5555001", 1)
    second = add_ticket("5555002", 2, status="selesai")
    other = add_ticket("6666001", 3)
    client = logged_in(app)

    _, full = get(client, f"?q={first}")
    _, dashed = get(client, f"?q={format_reference(first)}")
    _, spaced = get(client, f"?q={first[:4]}+{first[4:]}")
    _, prefix = get(client, "?q=5555&status=semua")
    _, dashed_prefix = get(client, "?q=5555-0&status=semua")
    short_status, short = get(client, "?q=555")

    assert rows(full, "unassigned") == [first]
    assert rows(dashed, "unassigned") == [first]
    assert rows(spaced, "unassigned") == [first]
    assert rows(prefix, "unassigned") == [first, second]
    assert rows(dashed_prefix, "unassigned") == [first, second]
    assert f'value="{format_reference(first)}"' in dashed
    assert short_status == 400
    assert "minimal 4 angka" in short
    assert other in rows(short, "unassigned")


def test_search_by_phone(app: Flask, officers: dict[str, int]) -> None:
    first = add_ticket("1000001", 1, caller_number="+6281234567890")
    second = add_ticket("1000002", 2, caller_number="+6281234567890")
    add_ticket("1000003", 3, caller_number="+6281399998888")
    client = logged_in(app)

    for query in ("081234567890", "%2B6281234567890", "0812-3456-7890"):
        status, page = get(client, f"?q={query}")

        assert status == 200, query
        assert rows(page, "unassigned") == [first, second], query


def test_phones_are_masked(app: Flask, officers: dict[str, int]) -> None:
    add_ticket("1000001", 1, caller_number="+6281234567890")
    add_ticket("1000002", 2, caller_number=None)

    _, page = get(logged_in(app))

    assert "+6281234567890" not in page
    assert "081234567890" not in page
    assert "***********890" in page


def test_data_is_escaped(app: Flask, officers: dict[str, int]) -> None:
    evil = add_officer("evil@disdukcapil.example", name="<b>Jahat</b>")
    add_ticket("1000001", 1, assignee_id=evil)

    _, page = get(logged_in(app, RINA))

    assert "&lt;b&gt;Jahat&lt;/b&gt;" in page
    assert "<b>Jahat</b>" not in page


def test_paging_shows_counts(app: Flask, officers: dict[str, int]) -> None:
    with db.session_scope() as session:
        session.execute(
            insert(Ticket),
            [
                {
                    "reference": reference(f"{2000000 + i}"),
                    "topic": "kk",
                    "created_at": START + timedelta(minutes=i),
                    "updated_at": START,
                }
                for i in range(120)
            ],
        )

    client = logged_in(app)
    _, first_page = get(client)
    _, last_page = get(client, "?topic=kk&page_unassigned=3")
    _, beyond = get(client, "?page_unassigned=9")

    assert "Menampilkan 1–50 dari 120" in first_page
    assert len(rows(first_page, "unassigned")) == 50
    assert "page_unassigned=2" in first_page
    assert "Menampilkan 101–120 dari 120" in last_page
    assert rows(last_page, "unassigned")[0] == reference("2000100")
    assert "topic=kk&amp;page_unassigned=2" in last_page
    assert "Menampilkan 101–120 dari 120" in beyond


def take(client: FlaskClient, ref: str, **form: str) -> Any:
    token = csrf_token(client, "/tickets")
    return client.post(f"/tickets/{ref}/take", data={"csrf_token": token, **form})


def test_take_assigns_and_records_event(app: Flask, officers: dict[str, int]) -> None:
    ref = add_ticket("1000001", 1, topic="kk")
    add_ticket("1000002", 2, topic="kk")
    client = logged_in(app)

    response = take(client, ref, next="/tickets?topic=kk")

    assert response.status_code == 302
    assert response.headers["Location"] == "/tickets?topic=kk"
    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == ref)).one()
        events = session.scalars(select(TicketEvent)).all()
        assert ticket.assignee_id == officers["siti"]
        assert [event.kind for event in events] == ["assigned"]
        assert events[0].actor == str(officers["siti"])
        assert events[0].ticket_id == ticket.id

    _, page = get(client, "?topic=kk")
    assert rows(page, "mine") == [ref]
    assert f"Tiket {format_reference(ref)} sekarang Anda tangani." in page


def test_cannot_take_assigned_ticket(app: Flask, officers: dict[str, int]) -> None:
    ref = add_ticket("1000001", 1, assignee_id=officers["budi"])
    mine = add_ticket("1000002", 2, assignee_id=officers["siti"])
    client = logged_in(app)

    others = take(client, ref)
    own = take(client, mine)
    unknown = take(client, reference("9999999"))

    assert others.status_code == 404
    assert own.status_code == 409
    assert "sudah ditangani petugas lain" in own.get_data(as_text=True)
    assert unknown.status_code == 404
    with db.session_scope() as session:
        assert session.scalars(select(TicketEvent)).all() == []


def test_take_without_csrf_is_rejected(app: Flask, officers: dict[str, int]) -> None:
    ref = add_ticket("1000001", 1)
    client = logged_in(app)

    response = client.post(f"/tickets/{ref}/take", data={"next": "/tickets"})

    assert response.status_code == 400
    with db.session_scope() as session:
        assert session.scalars(select(Ticket.assignee_id)).one() is None


def reassign(client: FlaskClient, ref: str, agent_id: int | str) -> Any:
    token = csrf_token(client, "/tickets")
    return client.post(
        f"/tickets/{ref}/assign",
        data={"csrf_token": token, "agent_id": str(agent_id), "next": "/tickets"},
    )


def test_agent_cannot_reassign(app: Flask, officers: dict[str, int]) -> None:
    ref = add_ticket("1000001", 1, assignee_id=officers["siti"])

    response = reassign(logged_in(app), ref, officers["budi"])

    assert response.status_code == 403
    assert "Hanya supervisor atau admin" in response.get_data(as_text=True)
    with db.session_scope() as session:
        assert session.scalars(select(Ticket.assignee_id)).one() == officers["siti"]


def test_supervisor_reassigns(app: Flask, officers: dict[str, int]) -> None:
    ref = add_ticket("1000001", 1, assignee_id=officers["siti"])
    client = logged_in(app, RINA)

    assert 'name="agent_id"' in get(client)[1]
    response = reassign(client, ref, officers["budi"])
    missing = reassign(client, ref, 99999)

    assert response.status_code == 302
    assert missing.status_code == 400
    with db.session_scope() as session:
        assert session.scalars(select(Ticket.assignee_id)).one() == officers["budi"]
        event_row = session.scalars(select(TicketEvent)).one()
        assert event_row.actor == str(officers["rina"])
        assert event_row.detail["previous"] == officers["siti"]


def test_reassign_to_inactive_officer(app: Flask, officers: dict[str, int]) -> None:
    ref = add_ticket("1000001", 1, assignee_id=officers["siti"])
    with db.session_scope() as session:
        session.get(Agent, officers["budi"]).active = False

    response = reassign(logged_in(app, RINA), ref, officers["budi"])

    assert response.status_code == 409
    assert "Budi Santoso tidak aktif" in response.get_data(as_text=True)


def seed_volume(tickets: int, agents: int, first: int = 0) -> None:
    """Insert officers and tickets with Core bulk inserts, spread over every list."""
    with db.session_scope() as session:
        session.execute(
            insert(Agent),
            [
                {"name": f"Petugas {i:03d}", "email": f"petugas{i}@disdukcapil.example"}
                for i in range(first, first + agents)
            ],
        )
        agent_ids = session.scalars(select(Agent.id)).all()
        statuses = ("baru", "diproses", "menunggu_warga", "selesai")
        session.execute(
            insert(Ticket),
            [
                {
                    "reference": reference(f"{3000000 + i}"),
                    "topic": ("ktp_el", "kk", "akta")[i % 3],
                    "status": statuses[i % 4],
                    "channel": "phone",
                    "caller_number": f"+62812{i:08d}",
                    "assignee_id": agent_ids[i % len(agent_ids)] if i % 5 else None,
                    "created_at": START + timedelta(seconds=i),
                    "updated_at": START,
                }
                for i in range(first, first + tickets)
            ],
        )


def count_queries(client: FlaskClient, query: str) -> int:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        status, _ = get(client, query)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert status == 200
    return len(statements)


# Loading the session and officer, two queries per list, and the officer choices.
MAX_QUEUE_QUERIES = 10


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_query_count_independent_of_volume(
    app: Flask, officers: dict[str, int]
) -> None:
    seed_volume(150, 10)
    client = logged_in(app, RINA)
    small = count_queries(client, "")
    small_filtered = count_queries(client, "?status=semua&topic=kk&q=0812")

    seed_volume(15_000 - 150, 90, first=150)
    large = count_queries(client, "")
    large_filtered = count_queries(client, "?status=semua&topic=kk&q=0812")
    _, page = get(client)

    assert small <= MAX_QUEUE_QUERIES
    assert large == small
    assert large_filtered == small_filtered
    assert "Menampilkan 1–50 dari" in page
