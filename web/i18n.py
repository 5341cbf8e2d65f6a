"""Workspace language: Indonesian first, English when the officer picks it.

Templates and views are written in Indonesian and wrap their texts in gettext. The
English catalog in web/translations translates them; `make translations` updates it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel, get_locale

LANGUAGES = ("id", "en")
# Key in Flask's session of the language the officer picked.
LANGUAGE_KEY = "lang"

babel = Babel()


def select_locale() -> str:
    """Return ?lang= if given (and remember it), else the remembered choice, else
    Indonesian.

    The browser's Accept-Language is not consulted: the office works in Indonesian, and
    an officer whose browser is set to English still starts in Indonesian.
    """
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session[LANGUAGE_KEY] = chosen
        return chosen

    remembered = session.get(LANGUAGE_KEY)
    if remembered in LANGUAGES:
        return remembered

    return "id"


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = "id"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(
        Path(__file__).parent / "translations"
    )
    babel.init_app(app, locale_selector=select_locale, default_domain="messages")

    @app.context_processor
    def inject_locale() -> dict[str, str]:
        return {"current_locale": str(get_locale() or "id")}
