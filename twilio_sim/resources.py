"""Shapes of Twilio resources: SIDs, timestamps, REST error bodies, SMS segments."""

from __future__ import annotations

import email.utils
import math
import secrets
from datetime import UTC, datetime
from typing import Any

API_VERSION = "2010-04-01"

# GSM 03.38 basic character set; each character takes one 7-bit septet.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table; each character takes an escape septet plus its own.
GSM7_EXTENSION = "^{}\\[~]|€\f"


def new_sid(prefix: str) -> str:
    """Return a new SID: the two-letter prefix and 32 lowercase hex digits."""
    return prefix + secrets.token_hex(16)


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def rfc2822(moment: datetime) -> str:
    """Format a time as Twilio writes dates, e.g. 'Thu, 30 Jul 2015 20:12:31 +0000'."""
    return email.utils.format_datetime(moment.astimezone(UTC))


def error_body(
    status: int, code: int, message: str, detail: str | None = None
) -> dict[str, Any]:
    """Build the JSON body of a Twilio REST API error response."""
    body: dict[str, Any] = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail

    return body


def count_segments(body: str) -> int:
    """Count the SMS segments a message body is sent in.

    GSM-7 text fits 160 septets in one segment and 153 per segment when split.
    Any other character switches the whole message to UCS-2, which fits 70 UTF-16
    code units in one segment and 67 per segment when split.
    """
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in body):
        septets = sum(2 if char in GSM7_EXTENSION else 1 for char in body)
        return 1 if septets <= 160 else math.ceil(septets / 153)

    code_units = len(body.encode("utf-16-le")) // 2
    return 1 if code_units <= 70 else math.ceil(code_units / 67)
