"""X-Twilio-Signature checks: good, missing, wrong, and behind a TLS proxy."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from redis import Redis

from lokdon import create_app
from tests.conftest import app_config
from tests.webhooks import AUTH_TOKEN, PUBLIC_BASE_URL, call_params, sign, twilio_post

CALL_SID = "CA" + "d" * 32
FORM = "application/x-www-form-urlencoded"


def test_valid_signature_is_accepted(app: Flask) -> None:
    response = twilio_post(app.test_client(), "/ivr/voice", call_params(CALL_SID))

    assert response.status_code == 200


def test_missing_signature_is_rejected(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ivr.security"):
        response = app.test_client().post(
            "/ivr/voice", data=urlencode(call_params(CALL_SID)), content_type=FORM
        )

    assert response.status_code == 403
    assert "no signature" in caplog.text
    assert CALL_SID in caplog.text


def test_wrong_token_signature_is_rejected(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ivr.security"):
        response = twilio_post(
            app.test_client(), "/ivr/voice", call_params(CALL_SID), token="other-token"
        )

    assert response.status_code == 403
    assert "wrong signature" in caplog.text


def test_tampered_parameter_is_rejected(app: Flask) -> None:
    params = call_params(CALL_SID)
    signature = sign(PUBLIC_BASE_URL + "/ivr/menu/choice", {**params, "Digits": "1"})
    response = app.test_client().post(
        "/ivr/menu/choice",
        data=urlencode({**params, "Digits": "5"}),
        content_type=FORM,
        headers={"X-Twilio-Signature": signature},
    )

    assert response.status_code == 403


def test_every_webhook_requires_signature(app: Flask) -> None:
    paths = [
        "/ivr/voice",
        "/ivr/menu",
        "/ivr/menu/choice",
        "/ivr/record",
        "/ivr/recorded",
        "/ivr/recording-status",
        "/ivr/status",
        "/messaging/status",
    ]
    client = app.test_client()
    for path in paths:
        response = client.post(
            path, data=urlencode(call_params(CALL_SID)), content_type=FORM
        )
        assert response.status_code == 403, path


def test_signature_uses_forwarded_headers_from_trusted_proxy(
    database_url: str, redis: Redis, tmp_path: Path
) -> None:
    """Without PUBLIC_BASE_URL, the URL is rebuilt from the proxy's X-Forwarded-*
    headers.
    """
    app = create_app(
        app_config(database_url, tmp_path, PUBLIC_BASE_URL="", TRUSTED_PROXY_COUNT=1)
    )
    params = call_params(CALL_SID)
    public = "https://hotline.pekanbaru.example/ivr/voice"
    headers = {
        "X-Twilio-Signature": sign(public, params, AUTH_TOKEN),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hotline.pekanbaru.example",
        "X-Forwarded-For": "203.0.113.7",
    }
    with app.app_context():
        client = app.test_client()
        behind_proxy = client.post(
            "/ivr/voice", data=urlencode(params), content_type=FORM, headers=headers
        )
        without_headers = client.post(
            "/ivr/voice",
            data=urlencode(params),
            content_type=FORM,
            headers={"X-Twilio-Signature": headers["X-Twilio-Signature"]},
        )

    assert behind_proxy.status_code == 200
    assert without_headers.status_code == 403


def test_forwarded_headers_ignored_without_trusted_proxy(
    database_url: str, redis: Redis, tmp_path: Path
) -> None:
    app = create_app(app_config(database_url, tmp_path, PUBLIC_BASE_URL=""))
    params = call_params(CALL_SID)
    forged = "https://hotline.pekanbaru.example/ivr/voice"
    headers = {
        "X-Twilio-Signature": sign(forged, params, AUTH_TOKEN),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hotline.pekanbaru.example",
    }
    with app.app_context():
        response = app.test_client().post(
            "/ivr/voice", data=urlencode(params), content_type=FORM, headers=headers
        )

    assert response.status_code == 403


def test_public_base_url_overrides_request_host(app: Flask) -> None:
    """Behind a proxy that rewrites the host, PUBLIC_BASE_URL is what Twilio signed."""
    params = call_params(CALL_SID)
    response = app.test_client().post(
        "/ivr/voice",
        data=urlencode(params),
        content_type=FORM,
        base_url="http://10.0.0.5:8000",
        headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + "/ivr/voice", params)},
    )

    assert response.status_code == 200
