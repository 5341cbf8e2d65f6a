"""Ticket references: eight digits, the last a Damm check digit.

A caller keys the reference on a phone keypad, so it has digits only. The Damm algorithm
detects every single wrong digit and every swap of two adjacent digits, so a mistyped
reference is rejected instead of finding another citizen's ticket.
"""

from __future__ import annotations

import secrets

from stdnum import damm

# Digits before the check digit; 10**7 references, drawn at random so they are not
# guessable.
BODY_LENGTH = 7


def generate_reference() -> str:
    """Return a new random reference; the caller checks that it is unused."""
    body = str(secrets.randbelow(9 * 10 ** (BODY_LENGTH - 1)) + 10 ** (BODY_LENGTH - 1))
    return body + damm.calc_check_digit(body)


def is_valid_reference(value: str) -> bool:
    """Return whether value is a well-formed reference with a correct check digit."""
    candidate = normalize_reference(value)
    if len(candidate) != BODY_LENGTH + 1 or not candidate.isdigit():
        return False

    return damm.is_valid(candidate)


def normalize_reference(value: str) -> str:
    """Strip the spaces and dashes people type or read between digit groups."""
    return "".join(value.split()).replace("-", "")


def format_reference(reference: str) -> str:
    """Group a reference as 1234-5678 for SMS and screens."""
    return f"{reference[:4]}-{reference[4:]}"


def spoken_reference(reference: str) -> str:
    """Spell a reference digit by digit for <Say>, pausing between the two groups."""
    return f"{' '.join(reference[:4])}, {' '.join(reference[4:])}"
