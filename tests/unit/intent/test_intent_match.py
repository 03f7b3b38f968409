"""Scoring: explainable matches, thresholds, meta-intents, yes/no."""

import pytest

from ivr.domain.intent import CALLBACK, OPERATOR, IntentMatcher, TargetVocabulary, match_yes_no


def test_full_keyword_routes_and_names_it(small_matcher: IntentMatcher) -> None:
    result = small_matcher.match("euh bonjour je voudrais un acte de naissance")
    assert (result.target, result.decision) == ("etat-civil", "route")
    assert result.matched == ("acte de naissance",)
    assert result.confidence == 1.0


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("un acte de nessance", "etat-civil"),  # misrecognised word
        ("mon passe port", "titres-identite"),  # split word
        ("ma cartedidentite", "titres-identite"),  # merged words
        ("faire un pacs", "etat-civil"),
    ],
)
def test_survives_recognition_slips(small_matcher: IntentMatcher, text: str, target: str) -> None:
    assert small_matcher.match(text).target == target


def test_partial_phrase_asks_for_confirmation(small_matcher: IntentMatcher) -> None:
    result = small_matcher.match("un acte")  # "acte de naissance" half heard
    assert result.target == "etat-civil"
    assert result.decision == "confirm"
    assert 0.45 <= result.confidence < 0.75


def test_two_targets_at_once_is_ambiguous(small_matcher: IntentMatcher) -> None:
    result = small_matcher.match("le passeport et le livret de famille")
    assert result.decision == "confirm"
    assert {result.target, result.alternatives[0][0]} == {"etat-civil", "titres-identite"}


@pytest.mark.parametrize("text", ["", "   ", "euh bonjour", "la météo de demain"])
def test_nothing_recognisable_is_rejected(small_matcher: IntentMatcher, text: str) -> None:
    result = small_matcher.match(text)
    assert (result.target, result.confidence, result.decision) == (None, 0.0, "reject")
    assert result.matched == ()


def test_longest_phrase_wins(small_matcher: IntentMatcher) -> None:
    assert small_matcher.match("un conseiller").target == OPERATOR
    result = small_matcher.match("un conseiller municipal")
    assert (result.target, result.matched) == ("cabinet-maire", ("conseiller municipal",))


def test_an_example_does_not_weaken_its_own_keyword(small_matcher: IntentMatcher) -> None:
    result = small_matcher.match("l'acte de naissance de ma fille")
    assert result.confidence == 1.0
    assert "acte de naissance" in result.matched


def test_thresholds_come_from_the_caller() -> None:
    strict = IntentMatcher({}, route_threshold=1.01, confirm_threshold=1.01)
    assert strict.match("rappelez-moi").decision == "reject"


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("je voudrais parler à quelqu'un", OPERATOR),
        ("le standard s'il vous plaît", OPERATOR),
        ("rappelez-moi", CALLBACK),
        ("je veux être rappelé", CALLBACK),
        ("est-ce que quelqu'un peut me rappeler", CALLBACK),
    ],
)
def test_meta_intents_without_rules(text: str, target: str) -> None:
    result = IntentMatcher({}).match(text)
    assert (result.target, result.decision) == (target, "route")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("oui", True),
        ("oui c'est ça", True),
        ("exactement", True),
        ("tout à fait", True),
        ("non", False),
        ("pas du tout", False),
        ("non c'est pas ça", False),
        ("absolument pas", False),
        ("euh", None),
        ("oui non", None),
        ("", None),
    ],
)
def test_yes_no(text: str, answer: bool | None) -> None:
    assert match_yes_no(text) is answer


@pytest.fixture(scope="module")
def cue_matcher() -> IntentMatcher:
    """A status intent whose cues are about the identity-document service only."""
    vocab = {
        "titres-identite": TargetVocabulary(("carte d'identité", "passeport", "pré-demande")),
        "vie-locale": TargetVocabulary(("salle des fêtes", "association")),
        "suivi-demande": TargetVocabulary(
            ("où en est ma demande",), cues=("est prête", "où en est"),
            cue_about=frozenset({"titres-identite"}),
        ),
    }
    return IntentMatcher(vocab)


def test_a_cue_with_a_document_word_means_the_status(cue_matcher: IntentMatcher) -> None:
    result = cue_matcher.match("ma carte d'identité est-elle prête")
    assert (result.target, result.decision, result.confidence) == ("suivi-demande", "route", 1.0)
    assert result.matched == ("est prête", "carte d'identité")
    assert result.alternatives == ()


def test_the_document_word_alone_stays_with_its_department(cue_matcher: IntentMatcher) -> None:
    result = cue_matcher.match("ma carte d'identité")
    assert (result.target, result.decision, result.matched) == (
        "titres-identite", "route", ("carte d'identité",))


@pytest.mark.parametrize("text", ["est-elle prête", "où en est", "où en est la météo"])
def test_a_cue_alone_is_ignored(cue_matcher: IntentMatcher, text: str) -> None:
    assert cue_matcher.match(text).decision == "reject"


def test_a_cue_leaves_the_targets_it_is_not_about(cue_matcher: IntentMatcher) -> None:
    result = cue_matcher.match("la salle des fêtes est-elle prête")
    assert (result.target, result.matched) == ("vie-locale", ("salle des fêtes",))


@pytest.mark.parametrize(
    "text",
    [
        "est-ce que la carte d'identité de ma fille sera prête",  # « est » too far from « prête »
        "ma carte d'identité est-elle prêtée",  # a near miss is not the cue
        "prête est ma carte d'identité",  # out of order
    ],
)
def test_a_cue_must_be_heard_whole_and_in_order(cue_matcher: IntentMatcher, text: str) -> None:
    assert cue_matcher.match(text).target == "titres-identite"


def test_a_cue_confirms_its_own_target(cue_matcher: IntentMatcher) -> None:
    """« demande » is also half of « pré-demande »: the cue « où en est » settles it."""
    plain = cue_matcher.match("ma demande")
    asked = cue_matcher.match("où en est ma demande")
    assert plain.decision != "route"
    assert (asked.target, asked.decision) == ("suivi-demande", "route")
    assert asked.matched == ("où en est", "où en est ma demande")


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("où en est ma demande", "suivi-demande"),
        ("ma carte d'identité est-elle prête", "suivi-demande"),
        ("mon acte de naissance est-il arrivé", "suivi-demande"),
        ("carte d'identité", "titres-identite"),
        ("passeport", "titres-identite"),
        ("acte de naissance", "etat-civil"),
    ],
)
def test_status_questions_of_the_shipped_rules_route_at_once(
    rules_matcher: IntentMatcher, text: str, target: str
) -> None:
    result = rules_matcher.match(text)
    assert (result.target, result.decision) == (target, "route")


def test_shipped_cues_are_about_the_departments_handling_requests(
    rules_matcher: IntentMatcher,
) -> None:
    """The halls' availability is not a request: the hall service keeps the question."""
    assert rules_matcher.match("la salle des fêtes est-elle prête").target == "vie-locale"
