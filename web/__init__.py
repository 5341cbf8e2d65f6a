"""The officers' workspace in the browser: login, sessions and the ticket queue."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from tickets.calendar import last_minute

csrf = CSRFProtect()
# The office's time zone (WIB); officers read every time in it.
OFFICE_ZONE = ZoneInfo("Asia/Jakarta")


def format_wib(moment: datetime | None) -> str:
    """Format a UTC timestamp as the office's local time, e.g. 04-12-2026 17:05 WIB."""
    if moment is None:
        return "—"

    return moment.astimezone(OFFICE_ZONE).strftime("%d-%m-%Y %H:%M WIB")


def format_deadline(moment: datetime | None) -> str:
    """Format a deadline as the last minute it allows, e.g. 09-12-2026 23:59 WIB."""
    if moment is None:
        return "—"

    return last_minute(moment).strftime("%d-%m-%Y %H:%M WIB")


def format_wib_clock(moment: datetime | None) -> str:
    """Format a UTC timestamp as the office's clock time, e.g. 17:05:09 WIB."""
    if moment is None:
        return "—"

    return moment.astimezone(OFFICE_ZONE).strftime("%H:%M:%S WIB")


def init_app(app: Flask) -> None:
    """Configure cookies and CSRF, and register the workspace blueprints."""
    development = app.config["LOKDON_ENV"] == "development"
    app.config["SESSION_COOKIE_NAME"] = "lokdon_session"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Browsers send Secure cookies over HTTPS only; the local demo runs on plain HTTP.
    app.config["SESSION_COOKIE_SECURE"] = not development
    # A form's token stays valid as long as the session, which expires on its own.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    csrf.init_app(app)
    app.add_template_filter(format_wib, "wib")
    app.add_template_filter(format_wib_clock, "wib_clock")
    app.add_template_filter(format_deadline, "deadline")

    from web import i18n

    i18n.init_app(app)

    from ivr.views import bp as ivr_bp
    from messaging.views import bp as messaging_bp
    from web.auth import bp as auth_bp
    from web.dashboard import bp as dashboard_bp
    from web.holidays import bp as holidays_bp
    from web.queue import bp as queue_bp
    from web.recordings import bp as recording_bp
    from web.sessions import load_current_session
    from web.ticket import bp as ticket_bp
    from web.trends import bp as trends_bp

    # Twilio cannot send a CSRF token; its webhooks carry X-Twilio-Signature instead.
    csrf.exempt(ivr_bp)
    csrf.exempt(messaging_bp)
    app.before_request(load_current_session)
    app.register_blueprint(auth_bp)
    app.register_blueprint(queue_bp)
    app.register_blueprint(ticket_bp)
    app.register_blueprint(recording_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(trends_bp)
    app.register_blueprint(holidays_bp)
