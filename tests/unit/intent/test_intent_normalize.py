"""French folding: what an utterance boils down to before matching."""

import pytest

from ivr.domain.intent import content_words, fold, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L'École", ["l", "ecole"]),
        ("carte d’identité", ["carte", "d", "identite"]),
        ("qu'il", ["qu", "il"]),
        ("Rappelez-moi", ["rappelez", "moi"]),
        ("passez-moi quelqu'un", ["passez", "moi", "quelquun"]),
        ("mon fils a seize ans", ["mon", "fils", "a", "16", "ans"]),
        ("c c a s", ["ccas"]),
        ("  ", []),
    ],
)
def test_fold(text: str, expected: list[str]) -> None:
    assert fold(text) == expected


def test_elisions_are_dropped() -> None:
    assert content_words("l'école d'Anne qu'elle aime") == ["ecole", "anne", "aime"]


def test_fillers_and_politeness_are_dropped() -> None:
    text = "euh bonjour madame je voudrais s'il vous plaît la cantine"
    assert content_words(text) == ["cantine"]


def test_numbers_are_not_content() -> None:
    assert content_words("trois jours") == ["jours"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("listes électorales", "liste electorale"),
        ("les crèches", "creche"),
        ("être rappelé", "rappeler"),
        ("Carte d'Identité", "carte d identite"),
    ],
)
def test_plurals_accents_and_inflections_meet(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)
