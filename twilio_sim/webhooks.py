"""Webhook requests signed the way Twilio signs them (X-Twilio-Signature)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

# Twilio gives a webhook 15 seconds in all before it reports error 11205.
WEBHOOK_TIMEOUT = 15.0
USER_AGENT = "TwilioProxy/1.1"


def signed_request(
    url: str, params: Mapping[str, str], method: str, auth_token: str
) -> tuple[str, dict[str, str] | None, str]:
    """Return the URL to request, the form body and the X-Twilio-Signature value.

    For POST, Twilio signs the URL followed by each form parameter name and value,
    sorted by name. For GET, the parameters go into the query string and Twilio
    signs the full URL alone.
    """
    validator = RequestValidator(auth_token)
    if method == "GET":
        parts = urlsplit(url)
        query = "&".join(part for part in (parts.query, urlencode(params)) if part)
        full_url = urlunsplit(parts._replace(query=query))
        return full_url, None, validator.compute_signature(full_url, {})

    return url, dict(params), validator.compute_signature(url, dict(params))


def send_webhook(
    url: str,
    params: Mapping[str, str],
    *,
    auth_token: str,
    method: str = "POST",
    idempotency_token: str | None = None,
    timeout: float = WEBHOOK_TIMEOUT,
) -> requests.Response:
    """Send one signed webhook request and return the response.

    Raises requests.RequestException when the app cannot be reached or does not
    respond within the timeout. A retry of the same event passes the same
    idempotency token, as Twilio does in its I-Twilio-Idempotency-Token header.
    """
    method = method.upper()
    request_url, body, signature = signed_request(url, params, method, auth_token)
    headers = {
        "X-Twilio-Signature": signature,
        "User-Agent": USER_AGENT,
        "I-Twilio-Idempotency-Token": idempotency_token or str(uuid.uuid4()),
    }

    logger.debug("webhook request method=%s url=%s", method, request_url)
    return requests.request(
        method, request_url, data=body, headers=headers, timeout=timeout
    )
