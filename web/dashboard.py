"""The managers' live view: calls on the line, the work behind them, officers' load,
refreshed by the page itself; and the retry of failed jobs.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from lokdon.redis_client import get_redis
from models import db
from models.base import utcnow
from queue_workers.exceptions import JobRetryError
from queue_workers.failures import retry_failed_job
from reports.live import add_queue_figures, database_snapshot
from web.auth import manager_required

logger = logging.getLogger(__name__)

bp = Blueprint("dashboard", __name__, template_folder="templates")

WORKER_STATE_LABELS = {
    "idle": lazy_gettext("Menunggu tugas"),
    "busy": lazy_gettext("Bekerja"),
    "loading": lazy_gettext("Memuat model"),
    "suspended": lazy_gettext("Ditangguhkan"),
    "started": lazy_gettext("Mulai"),
}


def format_duration(seconds: float | None) -> str:
    """Format an age for the wall screen: 45 dtk, 3 mnt 20 dtk, 2 j 5 mnt."""
    if seconds is None:
        return "—"

    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(hours)d j %(minutes)d mnt", hours=hours, minutes=minutes)

    if minutes:
        return _("%(minutes)d mnt %(seconds)d dtk", minutes=minutes, seconds=secs)

    return _("%(seconds)d dtk", seconds=secs)


def render_live(template: str) -> str:
    now = utcnow()
    # Redis is read after the database session ends, so a slow Redis keeps no
    # transaction open.
    with db.read_scope() as session:
        snapshot = database_snapshot(session, now)
    add_queue_figures(snapshot.backlog, get_redis(), current_app.config, now)

    return render_template(
        template,
        snapshot=snapshot,
        duration=format_duration,
        worker_states=WORKER_STATE_LABELS,
        refresh_seconds=current_app.config["DASHBOARD_REFRESH_SECONDS"],
    )


@bp.get("/dashboard")
@manager_required
def live() -> str:
    """Show the live view; its script reloads the figures from live_figures."""
    return render_live("web/dashboard.html")


@bp.get("/dashboard/live")
@manager_required
def live_figures() -> str:
    """Return the live figures as an HTML fragment for the page to swap in."""
    return render_live("web/dashboard_live.html")


@bp.post("/dashboard/jobs/<job_id>/retry")
@manager_required
def retry_job(job_id: str) -> Response:
    """Run a failed job again (supervisors and admins), with an audit entry."""
    try:
        retry_failed_job(get_redis(), current_app.config, job_id, g.agent.id)
    except JobRetryError as e:
        logger.warning("job retry rejected job_id=%s error=%s", job_id, e)
        flash(
            _(
                "Tugas %(job_id)s tidak bisa diulang: tugas itu sudah diulang atau "
                "sudah kedaluwarsa. Muat ulang halaman untuk melihat daftar terbaru.",
                job_id=job_id,
            )
        )
    except RedisError as e:
        logger.warning("job retry failed job_id=%s error=%s", job_id, e)
        flash(_("Redis tidak dapat dihubungi, jadi tugas belum diulang. Coba lagi."))
    else:
        flash(_("Tugas %(job_id)s diulang.", job_id=job_id))

    return redirect(url_for("dashboard.live"))
