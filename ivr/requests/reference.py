"""Request references a citizen can key on a telephone keypad.

Ten digits: nine random ones and a Luhn check digit (ISO/IEC 7812-1, the algorithm
of bank card numbers, through ``stdnum.luhn``). Luhn catches every single wrong digit
and every swap of two adjacent digits except 09 ↔ 90, so nearly every typing mistake
is refused at once instead of reaching somebody else's request. Read back in five
pairs, like a French phone number: « 12 34 56 78 90 ».
"""

from __future__ import annotations

import random

from stdnum import luhn

from ivr.requests.errors import InvalidReference

LENGTH = 10
_BODY = LENGTH - 1
_SEPARATORS = " .-_/\t"


def new_reference(rng: random.Random) -> str:
    """A fresh random reference (uniqueness is the store's job: it retries on collision)."""
    body = f"{rng.randrange(10**_BODY):0{_BODY}d}"
    return body + luhn.calc_check_digit(body)


def is_valid(reference: str) -> bool:
    """True for exactly ten digits whose Luhn checksum is right."""
    return len(reference) == LENGTH and reference.isascii() and reference.isdigit() \
        and luhn.is_valid(reference)


def normalise(keyed: str) -> str:
    """The reference in ``keyed`` (spaces, dots, dashes allowed), or ``InvalidReference``."""
    digits = "".join(ch for ch in keyed.strip() if ch not in _SEPARATORS)
    if not (digits.isascii() and digits.isdigit()) or len(digits) != LENGTH:
        raise InvalidReference(
            f"La référence « {keyed.strip()} » doit comporter exactement {LENGTH} chiffres.")
    if not luhn.is_valid(digits):
        raise InvalidReference(
            f"La référence « {grouped(digits)} » est incorrecte : un chiffre a sans doute "
            "été mal saisi. Vérifiez-la.")
    return digits


def grouped(reference: str) -> str:
    """« 12 34 56 78 90 »: how a reference is printed and read back."""
    return " ".join(reference[i:i + 2] for i in range(0, len(reference), 2))
