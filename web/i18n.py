"""Workspace language: Indonesian first, English when the officer picks it.

Templates and views are written in Indonesian and wrap their texts in gettext. The
English catalog in web/translations translates them; `make translations` updates it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

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


def topic_names() -> dict[str, str]:
    """Return topic key -> name in the officer's language."""
    from tickets.topics import get_topics

    return get_topics().names(english=str(get_locale()) == "en")


def language_url(code: str) -> str:
    """Return the current page's URL in language code, keeping its other parameters."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = "id"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(
        Path(__file__).parent / "translations"
    )
    babel.init_app(app, locale_selector=select_locale, default_domain="messages")

    @app.context_processor
    def inject_locale() -> dict[str, object]:
        return {
            "current_locale": str(get_locale() or "id"),
            "language_url": language_url,
        }
