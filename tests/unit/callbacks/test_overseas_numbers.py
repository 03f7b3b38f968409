"""Overseas départements' numbers keyed nationally, and how each is dialled from France."""

import pytest

from ivr.domain.phone_numbers import check_number, national_digits, to_e164


@pytest.mark.parametrize(("raw", "e164"), [
    ("0596 30 12 34", "+596596301234"),  # Martinique fixed
    ("0694 20 12 34", "+594694201234"),  # Guyane mobile
    ("0269 61 23 45", "+262269612345"),  # Mayotte fixed
    ("0692 12 34 56", "+262692123456"),  # La Réunion mobile
    ("0590 27 12 34", "+590590271234"),  # Guadeloupe fixed
])  # fmt: skip
def test_overseas_numbers_keyed_nationally_map_to_their_region(raw: str, e164: str) -> None:
    assert check_number(raw).e164 == e164
    assert to_e164(raw) == e164
    assert national_digits(e164) == raw.replace(" ", "")  # dialled as keyed


def test_metropolitan_numbers_are_unchanged() -> None:
    assert check_number("01 45 67 89 12").e164 == "+33145678912"
    assert check_number("02 40 12 34 56").e164 == "+33240123456"  # Nantes, not overseas
    assert national_digits("+33145678912") == "0145678912"


def test_saint_pierre_et_miquelon_is_dialled_internationally() -> None:
    """+508 has no French national form: a 0-prefixed number would be misrouted."""
    assert check_number("+508 41 12 34").e164 == "+508411234"
    assert national_digits("+508411234") == "00508411234"
