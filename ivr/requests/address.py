"""A citizen's postal address: one, optional, the minimum a letter needs (GDPR).

Where an act asked by phone is posted (« par courrier à votre adresse enregistrée »).
Read strictly with a French error, the same from the API, the admin and the shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ivr.requests.errors import InvalidInput
from ivr.requests.inputs import clean_text

STREET_MAX, EXTRA_MAX, CITY_MAX = 120, 120, 80
INCOMPLETE = ("Adresse postale incomplète : le numéro et la voie, le code postal et la "
              "commune sont nécessaires.")
_POSTCODE = re.compile(r"^\d{5}$")  # French postcodes, Corsica's included (20000…20999)


@dataclass(frozen=True)
class PostalAddress:
    """« 3 rue de la Mairie », « Bâtiment B », « 67000 », « Strasbourg »."""

    street: str
    postcode: str
    city: str
    extra: str | None = None

    def lines(self) -> tuple[str, ...]:
        """The lines of the envelope, in the French order."""
        last = f"{self.postcode} {self.city}"
        return (self.street, self.extra, last) if self.extra else (self.street, last)

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form (the API's ``address``)."""
        return {"street": self.street, "extra": self.extra, "postcode": self.postcode,
                "city": self.city}


def postal_address(*, street: str | None, postcode: str | None, city: str | None,
                   extra: str | None = None) -> PostalAddress | None:
    """The address from its typed fields; None when all are empty (no address);
    ``InvalidInput`` with a French message when it is incomplete or malformed."""
    street_text = clean_text(street, "la voie de l'adresse", STREET_MAX)
    extra_text = clean_text(extra, "le complément d'adresse", EXTRA_MAX)
    city_text = clean_text(city, "la commune", CITY_MAX)
    code = (postcode or "").replace(" ", "").strip()
    if not (street_text or extra_text or city_text or code):
        return None
    if not (street_text and city_text and code):
        raise InvalidInput(INCOMPLETE)
    if not _POSTCODE.match(code):
        raise InvalidInput(f"Code postal invalide : « {(postcode or '').strip()[:20]} » "
                           "(cinq chiffres).")
    return PostalAddress(street_text, code, city_text, extra_text)


def required_address(*, street: str | None, postcode: str | None, city: str | None,
                     extra: str | None = None) -> PostalAddress:
    """Like ``postal_address``, where no address at all is refused too (a form or a
    body that means to set one: erasing is asked explicitly)."""
    address = postal_address(street=street, postcode=postcode, city=city, extra=extra)
    if address is None:
        raise InvalidInput(INCOMPLETE)
    return address
