"""Caller ID rules: which From values are real numbers a reply can go to."""

from __future__ import annotations

import phonenumbers

# From values for withheld caller IDs. Twilio has sent them as words ("anonymous",
# "Restricted") and as those words spelled on a keypad: +266696687 is ANONYMOUS,
# +7378742833 RESTRICTED, +2562533 BLOCKED, +86282452253 UNAVAILABLE.
WITHHELD_CALLER_IDS = frozenset(
    {
        "",
        "anonymous",
        "restricted",
        "unknown",
        "private",
        "unavailable",
        "blocked",
        "+266696687",
        "+7378742833",
        "+2562533",
        "+86282452253",
    }
)


def normalize_caller(raw: str | None, region: str = "ID") -> str | None:
    """Return the caller's number in E.164, or None when it is withheld or invalid.

    A number without a country code is read in region (Indonesia: 0812... becomes
    +62812...).
    """
    value = (raw or "").strip()
    if value.lower() in WITHHELD_CALLER_IDS:
        return None

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None

    if not phonenumbers.is_valid_number(number):
        return None

    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_number(number: str | None) -> str:
    """Hide all but the last three digits, for logs above DEBUG and for screens."""
    if not number:
        return "-"

    return "*" * max(len(number) - 3, 0) + number[-3:]
