"""Take the screenshots in docs/screenshots of the officers' workspace.

Seeds a throwaway SQLite database with demo tickets, serves the app on 127.0.0.1 and
photographs the login page, the queue, a ticket page, the live dashboard and the trends
in headless Chromium.
Run with `make screenshots`.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lokdon import create_app  # noqa: E402
from lokdon.migrate import upgrade_database  # noqa: E402
from models import Ticket, db  # noqa: E402
from models.base import utcnow  # noqa: E402
from tests.conftest import app_config  # noqa: E402
from tests.reports.seed import add_ticket as add_dated_ticket  # noqa: E402
from tests.web.browser import chromium, serve  # noqa: E402
from tests.web.helpers import PASSWORD, add_officer  # noqa: E402
from tests.web.test_ticket import add_ticket  # noqa: E402
from tickets.reference import generate_reference  # noqa: E402

OUTPUT = REPO / "docs" / "screenshots"
DEMO_TICKETS = [
    ("kk", "diproses", 1),
    ("akta", "menunggu_warga", 1),
    ("pindah_datang", "baru", None),
    ("data_kependudukan", "baru", None),
]


def seed(app) -> str:
    add_officer()
    add_officer("andi@disdukcapil.example", role="supervisor", name="Andi Pratama")
    text = (
        "selamat siang KTP elektronik saya belum jadi sejak tiga bulan nik saya "
        "satu empat tujuh satu nol dua satu dua tiga empat lima enam nol nol nol satu "
        "mohon dibantu terima kasih"
    )
    reference = add_ticket(app, assignee_id=1, text=text)
    with db.session_scope() as session:
        for topic, status, assignee in DEMO_TICKETS:
            session.add(
                Ticket(
                    reference=generate_reference(),
                    topic=topic,
                    status=status,
                    assignee_id=assignee,
                    caller_number="+6281377001234",
                )
            )

    seed_history(supervisor_id=2)
    return reference


def seed_history(supervisor_id: int) -> None:
    """Add twelve weeks of tickets, mostly resolved, for the trend charts."""
    rng = random.Random(42)
    topics = ["ktp_el"] * 5 + ["kk"] * 3 + ["akta"] * 2 + ["pindah_datang", "lainnya"]
    now = utcnow()
    for _ in range(240):
        created_at = now - timedelta(days=rng.uniform(1, 84))
        resolved = rng.random() < 0.85
        add_dated_ticket(
            created_at,
            topic=rng.choice(topics),
            assignee_id=rng.choice([1, supervisor_id]),
            resolved_after=timedelta(days=rng.uniform(0.5, 18)) if resolved else None,
        )


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/screens.db"
        upgrade_database(url)
        app = create_app(
            app_config(url, Path(tmp), REDIS_URL="redis://127.0.0.1:6379/14")
        )
        reference = seed(app)
        with serve(app) as base_url, chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base_url + "/login")
            page.screenshot(path=str(OUTPUT / "login.png"))
            page.fill("#email", "siti@disdukcapil.example")
            page.fill("#password", PASSWORD)
            page.click("#submit")
            page.wait_for_url(base_url + "/tickets")
            page.screenshot(path=str(OUTPUT / "queue.png"), full_page=True)
            page.goto(f"{base_url}/tickets/{reference}")
            page.screenshot(path=str(OUTPUT / "ticket.png"), full_page=True)
            page.click("#logout")
            page.fill("#email", "andi@disdukcapil.example")
            page.fill("#password", PASSWORD)
            page.click("#submit")
            page.goto(base_url + "/dashboard")
            page.screenshot(path=str(OUTPUT / "dashboard.png"), full_page=True)
            page.goto(base_url + "/dashboard/trends")
            page.screenshot(path=str(OUTPUT / "trends.png"), full_page=True)

    print(f"screenshots written to {OUTPUT}")


if __name__ == "__main__":
    main()
