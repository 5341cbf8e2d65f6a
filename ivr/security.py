"""Checks that a webhook request really comes from Twilio (X-Twilio-Signature)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def public_url() -> str:
    """Return the URL Twilio called, as Twilio signed it.

    With PUBLIC_BASE_URL set, the request's path and query are joined to it, so a TLS
    proxy in front that rewrites scheme, host or port does not break validation. Without
    it, the request URL is used; ProxyFix has already applied X-Forwarded-* headers from
    the TRUSTED_PROXY_COUNT nearest proxies.
    """
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if not base:
        return request.url

    path = request.full_path if request.query_string else request.path
    return base + path


def validate_twilio_request(view: F) -> F:
    """Reject a webhook with 403 unless its X-Twilio-Signature is valid."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        signature = request.headers.get("X-Twilio-Signature", "")
        url = public_url()
        params = request.form.to_dict(flat=True) if request.method == "POST" else {}
        validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
        if not signature or not validator.validate(url, params, signature):
            logger.warning(
                "rejected webhook with %s signature path=%s call_sid=%s",
                "a wrong" if signature else "no",
                request.path,
                request.values.get("CallSid", "-"),
            )
            return "Invalid Twilio signature", 403

        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
