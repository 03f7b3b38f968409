"""Numbers a callback may be promised to, and how they are read back in French."""

import pytest

from ivr.domain.phone_numbers import check_number, is_hidden, number_words, spoken_digits


@pytest.mark.parametrize("raw", ["06 12 34 56 78", "0612345678", "+33612345678",
                                 "0033612345678", "06.12.34.56.78", "+33 6 12 34 56 78"])
def test_french_mobile_forms_store_as_e164(raw: str) -> None:
    assert check_number(raw).e164 == "+33612345678"


@pytest.mark.parametrize(("raw", "e164"), [
    ("01 45 67 89 12", "+33145678912"),
    ("09 70 70 70 70", "+33970707070"),  # box (VoIP) lines reach homes
    ("+262 262 12 34 56", "+262262123456"),  # La Réunion
])
def test_fixed_voip_and_overseas_accepted(raw: str, e164: str) -> None:
    assert check_number(raw).e164 == e164


@pytest.mark.parametrize(("raw", "reason"), [
    ("3631", "too_short"),
    ("06", "too_short"),
    ("0899 12 34 56", "premium"),
    ("0812345678", "premium"),
    ("0800 12 34 56", "service"),
    ("+32 2 555 12 34", "foreign"),
    ("0612", "too_short"),
    ("bonjour", "unparseable"),
    ("01 00 00 00 00 00", "invalid"),
])
def test_refused_with_reason(raw: str, reason: str) -> None:
    checked = check_number(raw)
    assert (checked.ok, checked.e164, checked.reason) == (False, None, reason)


@pytest.mark.parametrize("caller", [None, "", "  ", "anonymous", "Anonymous", "unknown",
                                    "restricted"])
def test_hidden_caller_ids(caller: str | None) -> None:
    assert is_hidden(caller)
    assert check_number(caller).reason == "hidden"


def test_a_real_number_is_not_hidden() -> None:
    assert not is_hidden("0612345678")


def test_spoken_pairs_of_a_mobile() -> None:
    assert spoken_digits("+33612345678") == (
        "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit")


def test_spoken_pairs_from_national_digits_with_spaces() -> None:
    assert spoken_digits("07 71 80 91 00") == (
        "zéro sept, soixante et onze, quatre-vingts, quatre-vingt-onze, zéro zéro")


@pytest.mark.parametrize(("value", "words"), [
    (10, "dix"), (11, "onze"), (16, "seize"), (17, "dix-sept"), (20, "vingt"),
    (21, "vingt et un"), (22, "vingt-deux"), (61, "soixante et un"), (69, "soixante-neuf"),
    (70, "soixante-dix"), (71, "soixante et onze"), (72, "soixante-douze"),
    (79, "soixante-dix-neuf"), (80, "quatre-vingts"), (81, "quatre-vingt-un"),
    (90, "quatre-vingt-dix"), (91, "quatre-vingt-onze"), (99, "quatre-vingt-dix-neuf"),
])
def test_number_words(value: int, words: str) -> None:
    assert number_words(value) == words


def test_overseas_number_read_with_its_national_prefix() -> None:
    assert spoken_digits("+262262123456").startswith("zéro deux, soixante-deux, ")
