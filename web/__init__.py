"""The officers' workspace in the browser: login, sessions and the ticket queue."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


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

    from ivr.views import bp as ivr_bp
    from messaging.views import bp as messaging_bp
    from web.auth import bp as auth_bp
    from web.queue import bp as queue_bp
    from web.sessions import load_current_session

    # Twilio cannot send a CSRF token; its webhooks carry X-Twilio-Signature instead.
    csrf.exempt(ivr_bp)
    csrf.exempt(messaging_bp)
    app.before_request(load_current_session)
    app.register_blueprint(auth_bp)
    app.register_blueprint(queue_bp)
