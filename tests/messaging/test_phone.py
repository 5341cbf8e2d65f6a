"""Caller IDs: which From values get an SMS."""

from __future__ import annotations

import pytest

from messaging.phone import mask_number, normalize_caller


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+6281200000001", "+6281200000001"),
        ("081200000001", "+6281200000001"),
        ("+62761571000", "+62761571000"),
        ("+14155550100", "+14155550100"),
    ],
)
def test_valid_numbers_become_e164(raw: str, expected: str) -> None:
    assert normalize_caller(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "anonymous",
        "Anonymous",
        "Restricted",
        "",
        "+266696687",
        "+7378742833",
        "12345",
        "client:agent",
        "sip:someone@example.test",
        None,
    ],
)
def test_withheld_or_invalid_numbers_get_none(raw: str | None) -> None:
    assert normalize_caller(raw) is None


def test_mask_keeps_last_three_digits() -> None:
    assert mask_number("+6281200000123") == "***********123"
    assert mask_number(None) == "-"
