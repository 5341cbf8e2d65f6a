"""A bare Flask endpoint returning a fixed TwiML document: the webhook benchmark's
baseline.
"""

from __future__ import annotations

import os

from flask import Flask, Response


def create_app() -> Flask:
    app = Flask(__name__)
    body = open(os.environ["BARE_TWIML_FILE"], "rb").read()

    @app.post("/ivr/voice")
    def welcome() -> Response:
        return Response(body, mimetype="text/xml")

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app
