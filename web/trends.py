"""The trend view for managers: a chosen period drawn as charts with the numbers
beside them, and the CSV export of the tickets behind it.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import ColumnElement, select
from werkzeug.datastructures import MultiDict

from models import Agent, Ticket, db
from models.base import utcnow
from reports.period import GRANULARITIES, MONTH, WEEK, Period, bucket_of
from reports.trends import Trends, compute_trends
from tickets.calendar import OFFICE_ZONE
from web.auth import manager_required
from web.charts import Series, bar_chart, colour, line_chart, share_chart
from web.exports import csv_response, may_export_unmasked
from web.i18n import topic_names
from web.queue_filters import UNASSIGNED, parse_day

logger = logging.getLogger(__name__)

bp = Blueprint("trends", __name__, template_folder="templates")

GRANULARITY_LABELS = {
    WEEK: lazy_gettext("Per minggu"),
    MONTH: lazy_gettext("Per bulan"),
}
# Buckets shown when no start date is chosen.
DEFAULT_BUCKETS = 12
# Maximum length of a period in days. A longer one is cut at its start.
MAX_PERIOD_DAYS = 3 * 366


class TrendFilters:
    """The trend view's query string: period, granularity, topic and officer, with an
    Indonesian message for each invalid value, which is then left out."""

    def __init__(self, args: MultiDict[str, str], officers: dict[int, str]) -> None:
        self.form = {
            name: args.get(name, "").strip()
            for name in ("date_from", "date_to", "granularity", "topic", "officer")
        }
        self.errors: list[str] = []
        self.conditions: list[ColumnElement[bool]] = []
        self.period = self.parse_period()
        self.parse_topic()
        self.parse_officer(officers)

    def parse_period(self) -> Period:
        granularity = self.form["granularity"] or WEEK
        if granularity not in GRANULARITIES:
            self.errors.append(
                _("Pengelompokan “%(value)s” tidak dikenal.", value=granularity)
            )
            granularity = WEEK

        self.form["granularity"] = granularity
        today = utcnow().astimezone(OFFICE_ZONE).date()
        last = parse_day(self.form["date_to"], _("Tanggal akhir"), self.errors)
        first = parse_day(self.form["date_from"], _("Tanggal awal"), self.errors)
        # No ticket is dated in the future, so a period ends today at the latest.
        last = min(last or today, today)
        first = first or default_first_day(last, granularity)
        if first > last:
            self.errors.append(
                _("Tanggal awal jatuh setelah tanggal akhir, jadi keduanya ditukar.")
            )
            first, last = last, first

        if (last - first).days > MAX_PERIOD_DAYS:
            self.errors.append(
                _(
                    "Periode paling panjang %(days)d hari, jadi tanggal awal "
                    "dimajukan. Pilih periode yang lebih pendek.",
                    days=MAX_PERIOD_DAYS,
                )
            )
            first = last - timedelta(days=MAX_PERIOD_DAYS)

        self.form["date_from"] = first.isoformat()
        self.form["date_to"] = last.isoformat()
        return Period(first, last, granularity)

    def parse_topic(self) -> None:
        value = self.form["topic"]
        if not value:
            return

        if value not in topic_names():
            self.errors.append(_("Topik “%(value)s” tidak dikenal.", value=value))
            self.form["topic"] = ""
            return

        self.conditions.append(Ticket.topic == value)

    def parse_officer(self, officers: dict[int, str]) -> None:
        value = self.form["officer"]
        if not value:
            return

        if value == UNASSIGNED:
            self.conditions.append(Ticket.assignee_id.is_(None))
            return

        if not value.isdigit() or int(value) not in officers:
            self.errors.append(_("Petugas “%(value)s” tidak dikenal.", value=value))
            self.form["officer"] = ""
            return

        self.conditions.append(Ticket.assignee_id == int(value))


def default_first_day(last: date, granularity: str) -> date:
    """Return the start of the bucket DEFAULT_BUCKETS - 1 buckets before last's."""
    first = bucket_of(last, granularity)
    for _step in range(DEFAULT_BUCKETS - 1):
        first = bucket_of(first - timedelta(days=1), granularity)

    return first


def bucket_label(day: date, granularity: str) -> str:
    if granularity == MONTH:
        return f"{day:%m-%Y}"

    return f"{day:%d-%m}"


def charts(trends: Trends, topics: dict[str, str]) -> dict[str, object]:
    granularity = trends.period.granularity
    labels = [bucket_label(row.key, granularity) for row in trends.buckets]
    topic_series = [
        Series(topics.get(key, key), counts, colour(index))
        for index, (key, counts) in enumerate(trends.opened_by_topic.items())
    ]
    flow = [
        Series(str(_("Diterima")), [row.opened for row in trends.buckets], colour(0)),
        Series(str(_("Selesai")), [row.resolved for row in trends.buckets], colour(2)),
    ]
    median = [
        Series(
            str(_("Median hari sampai selesai")),
            [row.median_days for row in trends.buckets],
            colour(3),
        )
    ]
    return {
        "topics": bar_chart(
            str(_("Tiket diterima per topik")), labels, topic_series, stacked=True
        ),
        "flow": bar_chart(
            str(_("Tiket diterima dan selesai")), labels, flow, stacked=False
        ),
        "median": line_chart(
            str(_("Median waktu penyelesaian (hari)")), labels, median
        ),
        "share_topic": share_chart(
            str(_("Selesai dalam tenggat, per topik")),
            [(row.label, row.within_share) for row in trends.per_topic],
        ),
        "share_officer": share_chart(
            str(_("Selesai dalam tenggat, per petugas")),
            [
                (row.label or str(_("Belum ditugaskan")), row.within_share)
                for row in trends.per_officer
            ],
        ),
        "labels": labels,
        # The tables have room for the year, which a weekly chart label leaves out.
        "table_labels": [
            f"{row.key:%d-%m-%Y}" if granularity == WEEK else f"{row.key:%m-%Y}"
            for row in trends.buckets
        ],
        "series": topic_series,
        "flow_series": flow,
    }


def officer_names() -> dict[int, str]:
    with db.read_scope() as session:
        rows = session.execute(select(Agent.id, Agent.name).order_by(Agent.name))
        return {agent_id: name for agent_id, name in rows}


@bp.get("/dashboard/trends")
@manager_required
def show() -> tuple[str, int]:
    """Show the trends of a period as charts and tables."""
    officers = officer_names()
    return render_trends(TrendFilters(request.args, officers), officers)


def render_trends(
    filters: TrendFilters, officers: dict[int, str], notice: str | None = None
) -> tuple[str, int]:
    topics = topic_names()
    with db.read_scope() as session:
        trends = compute_trends(session, filters.period, filters.conditions, topics)

    html = render_template(
        "web/trends.html",
        trends=trends,
        charts=charts(trends, topics),
        filters=filters.form,
        errors=[notice, *filters.errors] if notice else filters.errors,
        topics=topics,
        officers=officers,
        granularities=GRANULARITY_LABELS,
        unassigned=UNASSIGNED,
        export_url=url_for("trends.export", **filters.form),
        may_unmask=may_export_unmasked(),
    )
    return html, 400 if filters.errors else 200


@bp.get("/dashboard/trends.csv")
@manager_required
def export() -> Response:
    """Export the tickets opened in the trend view's period, with its filters."""
    officers = officer_names()
    filters = TrendFilters(request.args, officers)
    if filters.errors:
        # A file of other tickets than asked for would pass unnoticed, so the page
        # shows what is wrong instead.
        notice = _("Ekspor CSV tidak dibuat karena ada filter yang tidak valid.")
        html, _status = render_trends(filters, officers, notice)
        return Response(html, status=400, mimetype="text/html")

    conditions = [
        *filters.conditions,
        Ticket.created_at >= filters.period.start,
        Ticket.created_at < filters.period.end,
    ]
    name = f"lokdon-tiket-{filters.form['date_from']}-{filters.form['date_to']}.csv"
    return csv_response(conditions, name, view="trends", filters=filters.form)
