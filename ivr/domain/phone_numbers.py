"""Citizens' telephone numbers: validation for a callback, E.164 storage, spoken form.

A callback costs the town a call and an agent's time, so only numbers that reach a
person are accepted: French fixed, mobile and VoIP (09) lines, including the
overseas departments. Premium, shared-cost and other service numbers are refused
with a reason the IVR can explain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Caller IDs that mean "withheld" as Asterisk and French carriers present them.
HIDDEN_CALLER_IDS = frozenset({"", "anonymous", "unknown", "restricted", "private", "withheld"})
# Metropolitan France and the overseas departments/collectivities dialled like it.
FRENCH_REGIONS = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"})
# Overseas regions whose numbers are keyed nationally from France (0690…, 0262…, 0594…),
# tried in this order when a national number is not a metropolitan one.
OVERSEAS_REGIONS = ("GP", "MQ", "GF", "RE", "YT", "BL", "MF")
# Country codes dialled from France with the national ``0`` prefix (overseas departments).
# Saint-Pierre-et-Miquelon (+508) is not one: it is dialled internationally (00 508 …).
NATIONAL_DIALLING_CODES = frozenset({33, 590, 594, 596, 262})
CALLABLE_TYPES = frozenset({
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
})
REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "premium",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.TOLL_FREE: "service",
    PhoneNumberType.UAN: "service",
    PhoneNumberType.VOICEMAIL: "service",
    PhoneNumberType.PAGER: "service",
}

UNITS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf",
         "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize")
TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}

# the French explanation of each refusal reason of ``check_number``
NUMBER_REASONS = {
    "hidden": "numéro de téléphone manquant",
    "unparseable": "numéro de téléphone illisible",
    "too_short": "numéro de téléphone trop court",
    "invalid": "numéro de téléphone invalide",
    "foreign": "numéro étranger : l'alerte n'appelle que des numéros français",
    "premium": "numéro surtaxé refusé",
    "shared_cost": "numéro à coût partagé refusé",
    "service": "numéro de service refusé (ni fixe ni mobile)",
}


@dataclass(frozen=True)
class NumberCheck:
    """Outcome of ``check_number``: ``e164`` when accepted, else a ``reason`` code."""

    e164: str | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.e164 is not None


def is_hidden(caller_id: str | None) -> bool:
    """True when the caller withheld the number (nothing to call back)."""
    return caller_id is None or caller_id.strip().lower() in HIDDEN_CALLER_IDS


def parse_number(raw: str) -> phonenumbers.PhoneNumber | None:
    """``raw`` parsed as dialled from France (06…, +33…, 0033…, and the overseas
    departments' national numbers 0690…, 0262…, 0594…), or None."""
    try:
        number = phonenumbers.parse(raw.strip(), "FR")
    except NumberParseException:
        return None
    if raw.strip().startswith(("+", "00")):
        return number
    # Overseas ranges first: the metropolitan metadata also counts 0262… or 0269… as
    # valid +33 numbers, which no carrier routes.
    for region in OVERSEAS_REGIONS:
        overseas = phonenumbers.parse(raw.strip(), region)
        if phonenumbers.is_valid_number(overseas):
            return overseas
    return number


@lru_cache(maxsize=4096)
def to_e164(raw: str) -> str | None:
    """Any valid number, French or foreign, in E.164: how a citizen's phone is stored.
    Kept for the numbers seen lately (the town hall's own, each call; a caller's)."""
    number = parse_number(raw)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def check_number(raw: str | None) -> NumberCheck:
    """Validate ``raw`` (06…, +33…, 0033…, spaces or dots allowed) for a callback.

    Reasons: ``hidden``, ``unparseable``, ``too_short``, ``invalid``, ``foreign``,
    ``premium``, ``shared_cost``, ``service``.
    """
    if is_hidden(raw):
        return NumberCheck(None, "hidden")
    assert raw is not None
    number = parse_number(raw)
    if number is None:
        return NumberCheck(None, "unparseable")
    if not phonenumbers.is_valid_number(number):
        short = len(str(number.national_number)) < 9
        return NumberCheck(None, "too_short" if short else "invalid")
    if phonenumbers.region_code_for_number(number) not in FRENCH_REGIONS:
        return NumberCheck(None, "foreign")
    kind = phonenumbers.number_type(number)
    if kind not in CALLABLE_TYPES:
        return NumberCheck(None, REFUSED_TYPES.get(kind, "invalid"))
    return NumberCheck(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def mobile_number(raw: str | None) -> str | None:
    """``raw`` in E.164 when it is a French mobile (it can receive an SMS), else None."""
    check = check_number(raw)
    if check.e164 is None:
        return None
    kind = phonenumbers.number_type(phonenumbers.parse(check.e164))
    return check.e164 if kind == PhoneNumberType.MOBILE else None


def national_digits(e164: str) -> str:
    """The digits dialled from France: ``+33612345678`` → ``0612345678``, an overseas
    department's ``+590690123456`` → ``0690123456``, and any other country, including
    Saint-Pierre-et-Miquelon, internationally: ``+508411234`` → ``00508411234``."""
    number = phonenumbers.parse(e164, "FR")
    if number.country_code in NATIONAL_DIALLING_CODES:
        return "0" + str(number.national_number)
    return f"00{number.country_code}{number.national_number}"


def pair_words(pair: str) -> str:
    """French words for a two-digit group as read in a phone number (``07`` → zéro sept)."""
    if pair[0] == "0":
        return f"zéro {UNITS[int(pair[1])]}"
    return number_words(int(pair))


def number_words(value: int) -> str:
    """French words for 10-99, with the 70-99 forms (soixante et onze, quatre-vingts)."""
    if value < len(UNITS):
        return UNITS[value]
    tens, unit = divmod(value, 10)
    if tens in (7, 9):  # 70-79 and 90-99 count on from 60 and 80
        base = "soixante" if tens == 7 else "quatre-vingt"
        joiner = " et " if value == 71 else "-"
        return base + joiner + number_words(10 + unit)
    if tens == 8:
        return "quatre-vingts" if unit == 0 else "quatre-vingt-" + UNITS[unit]
    if unit == 0:
        return TENS[tens]
    if tens == 1:
        return "dix-" + UNITS[unit]
    joiner = " et " if unit == 1 else "-"
    return TENS[tens] + joiner + UNITS[unit]


def spoken_digits(number: str) -> str:
    """Read a number back in pairs: « zéro six, douze, trente-quatre, cinquante-six, … ».

    Accepts E.164 or national digits; an odd leftover digit is read on its own.
    """
    digits = national_digits(number) if number.startswith("+") else "".join(
        ch for ch in number if ch.isdigit())
    pairs = [digits[i:i + 2] for i in range(0, len(digits), 2)]
    return ", ".join(pair_words(p) if len(p) == 2 else UNITS[int(p)] for p in pairs)


def receives_sms(e164: str) -> bool:
    """Whether the number is a mobile one (a landline cannot receive the link by SMS)."""
    number = parse_number(e164)
    return number is not None and phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
