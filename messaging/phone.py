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


def mask_numbers_in_text(text: str, region: str = "ID", keep_last: int = 3) -> str:
    """Hide all but the last keep_last digits of each phone number written in text,
    keeping its layout: "0812-7777-8888" becomes "••••-••••-•888".

    Numbers are found by libphonenumber's matcher (valid numbers only, read in region
    when written without a country code). Numbers spoken as words are not found.
    """
    masked = text
    matches = list(phonenumbers.PhoneNumberMatcher(text, region))
    for match in reversed(matches):
        digits_seen = 0
        total_digits = sum(character.isdigit() for character in match.raw_string)
        characters = []
        for character in match.raw_string:
            if character.isdigit():
                digits_seen += 1
                hidden = digits_seen <= total_digits - keep_last
                characters.append("•" if hidden else character)
            else:
                characters.append(character)

        masked = masked[: match.start] + "".join(characters) + masked[match.end :]

    return masked
