"""Requests signed as Twilio signs them, for the webhook tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

PUBLIC_BASE_URL = "https://hotline.example.test"
AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC" + "1" * 32


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def twilio_post(
    client: FlaskClient, path: str, params: dict[str, str], token: str | None = None
) -> Any:
    """POST params to path as Twilio would, signed for the URL the app checks."""
    base = client.application.config["PUBLIC_BASE_URL"] or "http://localhost"
    token = token or client.application.config["TWILIO_AUTH_TOKEN"]
    signature = sign(base + path, params, token)
    return client.post(
        path,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )


def call_params(
    call_sid: str, caller: str = "+6281200000001", **extra: str
) -> dict[str, str]:
    params = {
        "AccountSid": ACCOUNT_SID,
        "CallSid": call_sid,
        "From": caller,
        "To": "+62761571000",
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    params.update(extra)
    return params
