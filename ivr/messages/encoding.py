"""How an SMS text travels: GSM 03.38 7-bit when every character has a code, else UCS-2.

A single GSM-7 SMS holds 160 septets, a concatenated one 153 per part (the UDH takes
the rest); the extension characters (€, [, ], {, }, ~, ^, |, \\) take two septets.
UCS-2 holds 70 UTF-16 units, 67 per part; a character outside the BMP (an emoji)
takes two. Letters such as « ê », « ç » or « À » are not in the GSM set, so a
French text often needs UCS-2: the segment count tells the cost before sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "\f^{}\\[~]|€"
_BASIC = frozenset(GSM_BASIC) - {"\x1b"}
_EXTENSION = frozenset(GSM_EXTENSION)

Coding = Literal["gsm7", "ucs2"]


@dataclass(frozen=True)
class SmsShape:
    """The coding of a text, its length in that coding's units, and its number of parts."""

    coding: Coding
    units: int
    segments: int

    @property
    def kannel_coding(self) -> int:
        """Kannel's ``coding`` parameter: 0 for 7-bit, 2 for UCS-2."""
        return 0 if self.coding == "gsm7" else 2


def _septets(text: str) -> int | None:
    count = 0
    for char in text:
        if char in _BASIC:
            count += 1
        elif char in _EXTENSION:
            count += 2
        else:
            return None
    return count


def _parts(units: int, single: int, multi: int) -> int:
    if units <= single:
        return 1
    return -(-units // multi)


def sms_shape(text: str) -> SmsShape:
    """GSM-7 if the whole text fits the GSM alphabet, else UCS-2; with its part count."""
    septets = _septets(text)
    if septets is not None:
        return SmsShape("gsm7", septets, _parts(septets, 160, 153))
    units = len(text.encode("utf-16-be")) // 2
    return SmsShape("ucs2", units, _parts(units, 70, 67))
