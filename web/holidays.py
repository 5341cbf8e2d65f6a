"""The office's holiday calendar in the workspace: the holidays file's days and the
ones supervisors enter, which move the deadlines of open tickets."""

from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models import db
from models.base import utcnow
from tickets.calendar import OFFICE_ZONE
from tickets.exceptions import HolidayError
from tickets.holidays import MAX_NAME_LENGTH, add_holiday, list_holidays, remove_holiday
from web.auth import manager_required
from web.queue_filters import MAX_YEAR, MIN_YEAR, parse_day

logger = logging.getLogger(__name__)

bp = Blueprint("holidays", __name__, template_folder="templates")


def chosen_year() -> int:
    value = request.args.get("year", "").strip()
    if value.isdigit() and MIN_YEAR <= int(value) <= MAX_YEAR:
        return int(value)

    return utcnow().astimezone(OFFICE_ZONE).year


def render_holidays(year: int, errors: list[str], status: int = 200) -> tuple[str, int]:
    with db.read_scope() as session:
        holidays = list_holidays(session, year)

    html = render_template(
        "web/holidays.html",
        year=year,
        holidays=holidays,
        errors=errors,
        max_name_length=MAX_NAME_LENGTH,
        form=request.form,
    )
    return html, status


@bp.get("/dashboard/holidays")
@manager_required
def show() -> tuple[str, int]:
    """List a year's holidays, with the form to add one."""
    return render_holidays(chosen_year(), [])


@bp.post("/dashboard/holidays")
@manager_required
def add() -> Response | tuple[str, int]:
    """Add a holiday and move the deadlines of the open tickets it falls in."""
    errors: list[str] = []
    day = parse_day(request.form.get("day", "").strip(), _("Tanggal"), errors)
    name = request.form.get("name", "").strip()
    if day is None and not errors:
        errors.append(_("Isi tanggal hari libur."))

    if not name or len(name) > MAX_NAME_LENGTH:
        errors.append(
            _(
                "Isi nama hari libur, paling banyak %(count)d huruf.",
                count=MAX_NAME_LENGTH,
            )
        )

    if errors or day is None:
        return render_holidays(day.year if day else chosen_year(), errors, 400)

    try:
        with db.session_scope() as session:
            moved = add_holiday(session, day, name, g.agent.id)
    except HolidayError:
        message = _("%(day)s sudah menjadi hari libur.", day=f"{day:%d-%m-%Y}")
        return render_holidays(day.year, [message], 409)

    flash(
        _(
            "Hari libur %(day)s ditambahkan; tenggat %(count)d tiket terbuka bergeser.",
            day=f"{day:%d-%m-%Y}",
            count=moved,
        )
    )
    return redirect(url_for("holidays.show", year=day.year))


@bp.post("/dashboard/holidays/<day>/remove")
@manager_required
def remove(day: str) -> Response | tuple[str, int]:
    """Remove a holiday entered in the workspace and move deadlines back."""
    try:
        holiday = date.fromisoformat(day)
    except ValueError:
        return render_holidays(chosen_year(), [_("Tanggal tidak valid.")], 400)

    try:
        with db.session_scope() as session:
            moved = remove_holiday(session, holiday, g.agent.id)
    except HolidayError:
        message = _(
            "%(day)s bukan hari libur yang dimasukkan di sini. Hari libur dari berkas "
            "hari libur dihapus di berkas itu.",
            day=f"{holiday:%d-%m-%Y}",
        )
        return render_holidays(holiday.year, [message], 404)

    flash(
        _(
            "Hari libur %(day)s dihapus; tenggat %(count)d tiket terbuka bergeser.",
            day=f"{holiday:%d-%m-%Y}",
            count=moved,
        )
    )
    return redirect(url_for("holidays.show", year=holiday.year))
