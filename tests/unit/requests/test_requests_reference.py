"""References: ten digits, a Luhn check digit that refuses typing mistakes at once."""

from __future__ import annotations

import random

import pytest

from ivr.requests.errors import InvalidReference
from ivr.requests.reference import grouped, is_valid, new_reference, normalise

REFERENCES = [new_reference(random.Random(seed)) for seed in range(300)]


def test_new_references_are_ten_valid_digits() -> None:
    assert all(len(r) == 10 and r.isdigit() and is_valid(r) for r in REFERENCES)
    assert len(set(REFERENCES)) == len(REFERENCES)
    assert new_reference(random.Random(7)) == new_reference(random.Random(7))


def test_every_single_wrong_digit_is_refused() -> None:
    for reference in REFERENCES:
        for i, digit in enumerate(reference):
            for other in "0123456789".replace(digit, ""):
                typo = reference[:i] + other + reference[i + 1:]
                assert not is_valid(typo), (reference, typo)
                with pytest.raises(InvalidReference, match="mal saisi"):
                    normalise(typo)


def test_adjacent_swaps_are_refused_except_09_90() -> None:
    """Luhn's one blind spot: swapping 0 and 9 side by side keeps the checksum."""
    blind = 0
    for reference in REFERENCES:
        for i in range(len(reference) - 1):
            a, b = reference[i], reference[i + 1]
            if a == b:
                continue
            swapped = reference[:i] + b + a + reference[i + 2:]
            if {a, b} == {"0", "9"}:
                assert is_valid(swapped)  # what Luhn does not guarantee, pinned
                blind += 1
            else:
                assert not is_valid(swapped), (reference, swapped)
    assert blind > 0


@pytest.mark.parametrize("keyed", ["12 34 56 78 9X", "123456789", "12345678901", "",
                                   "١٢٣٤٥٦٧٨٩٠", "12345６7890"])
def test_malformed_references_say_ten_digits(keyed: str) -> None:
    with pytest.raises(InvalidReference, match="exactement 10 chiffres"):
        normalise(keyed)


def test_keyed_forms_are_normalised_and_grouped() -> None:
    reference = REFERENCES[0]
    spaced, dotted = grouped(reference), ".".join(grouped(reference).split())
    assert normalise(f" {spaced} ") == normalise(dotted) == normalise(reference) == reference
    assert spaced == " ".join(reference[i:i + 2] for i in range(0, 10, 2))
