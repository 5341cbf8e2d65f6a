"""Ticket references: keyable digits with a check digit that catches typing mistakes."""

from __future__ import annotations

from tickets.reference import (
    format_reference,
    generate_reference,
    is_valid_reference,
    spoken_reference,
)


def test_generated_references_are_valid() -> None:
    references = {generate_reference() for _ in range(2000)}

    assert len(references) > 1990
    for reference in references:
        assert len(reference) == 8
        assert reference.isdigit()
        assert is_valid_reference(reference)


def test_every_single_digit_error_is_detected() -> None:
    reference = generate_reference()
    for position in range(len(reference)):
        for digit in "0123456789":
            if digit == reference[position]:
                continue

            typo = reference[:position] + digit + reference[position + 1 :]
            assert not is_valid_reference(typo), typo


def test_every_adjacent_swap_is_detected() -> None:
    for _ in range(200):
        reference = generate_reference()
        for position in range(len(reference) - 1):
            a, b = reference[position], reference[position + 1]
            if a == b:
                continue

            swapped = reference[:position] + b + a + reference[position + 2 :]
            assert not is_valid_reference(swapped), swapped


def test_spaces_and_dashes_are_ignored() -> None:
    reference = generate_reference()

    assert is_valid_reference(format_reference(reference))
    assert is_valid_reference(f" {reference[:4]} {reference[4:]} ")


def test_malformed_references_are_invalid() -> None:
    for value in ["", "1234567", "123456789", "abcdefgh", "1234-56a8"]:
        assert not is_valid_reference(value), value


def test_spoken_reference_spells_digits() -> None:
    assert spoken_reference("12345678") == "1 2 3 4, 5 6 7 8"
    assert format_reference("12345678") == "1234-5678"
