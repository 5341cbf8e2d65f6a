"""Application factory of the LOKDON hotline: settings, database, Redis, blueprints."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lokdon.exceptions import ConfigurationError
from lokdon.settings import load_settings

logger = logging.getLogger(__name__)

# Used only when LOKDON_ENV is "development", so the local demo runs with no setup. The
# simulator signs its requests with the same token.
DEVELOPMENT_FALLBACKS = {
    "SECRET_KEY": "development-only-secret-key",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "development-only-auth-token",
}
REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_BASE_URL",
    "PUBLIC_BASE_URL",
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the hotline's Flask app: settings, then extensions, then blueprints."""
    app = Flask(__name__)
    app.config.from_mapping(load_settings())
    if test_config is not None:
        app.config.from_mapping(test_config)

    apply_development_fallbacks(app)
    check_required_settings(app)
    resolve_paths(app)

    if app.config["TRUSTED_PROXY_COUNT"] > 0:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )

    from lokdon import redis_client
    from models import db

    db.init_app(app)
    redis_client.init_app(app)

    from ivr import call_starts
    from ivr import prompts as ivr_prompts
    from ivr.views import bp as ivr_bp
    from messaging.views import bp as messaging_bp
    from tickets import calendar, topics

    topics.init_app(app)
    calendar.init_app(app)
    ivr_prompts.init_app(app)
    call_starts.init_app(app)
    app.register_blueprint(ivr_bp)
    app.register_blueprint(messaging_bp)

    import web

    web.init_app(app)

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    from lokdon import metrics

    metrics.init_app(app)
    return app


def apply_development_fallbacks(app: Flask) -> None:
    """Fill empty secrets with fixed local values in development mode only."""
    if app.config["LOKDON_ENV"] != "development":
        return

    for name, value in DEVELOPMENT_FALLBACKS.items():
        if not app.config.get(name):
            app.config[name] = value


def check_required_settings(app: Flask) -> None:
    """Raise ConfigurationError naming the first required setting that is empty."""
    env = app.config["LOKDON_ENV"]
    if env not in ("development", "production"):
        raise ConfigurationError(
            f"LOKDON_ENV={env!r} is invalid; set it to development or production."
        )

    if env != "production":
        return

    for name in REQUIRED_IN_PRODUCTION:
        if not app.config.get(name):
            raise ConfigurationError(
                f"{name} is not set. Set the environment variable {name} before "
                "starting LOKDON in production."
            )

    if app.config["SECRET_KEY"] == DEVELOPMENT_FALLBACKS["SECRET_KEY"]:
        raise ConfigurationError("SECRET_KEY is the development value; set a real one.")


def resolve_paths(app: Flask) -> None:
    """Turn the relative recordings folder into an absolute path and create it."""
    recordings_dir = Path(app.config["RECORDINGS_DIR"]).resolve()
    recordings_dir.mkdir(parents=True, exist_ok=True)
    app.config["RECORDINGS_DIR"] = str(recordings_dir)
