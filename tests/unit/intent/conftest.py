"""Matchers for the intent tests: a tiny hand-made vocabulary and the shipped rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.domain.intent import IntentMatcher, TargetVocabulary

REPO = Path(__file__).resolve().parents[3]
RULES_PATH = REPO / "routing_rules.yaml"
DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def small_matcher() -> IntentMatcher:
    """Three targets, enough to pin scoring behaviour independently of the rules file."""
    vocab = {
        "etat-civil": TargetVocabulary(
            ("acte de naissance", "livret de famille", "pacs"),
            ("un acte de naissance pour ma fille",),
        ),
        "titres-identite": TargetVocabulary(("carte d'identité", "passeport")),
        "cabinet-maire": TargetVocabulary(("conseiller municipal", "maire")),
    }
    return IntentMatcher(vocab, route_threshold=0.75, confirm_threshold=0.45)


@pytest.fixture(scope="session")
def rules_matcher() -> IntentMatcher:
    """The matcher as the IVR builds it from the repository's default rules."""
    from ivr.rules import load_rules

    return IntentMatcher.from_rules(load_rules(RULES_PATH))


def _read_utterances(name: str) -> list[tuple[str, str]]:
    """``target<TAB>utterance`` rows of a labelled data file."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [(target, text) for target, text in (line.split("\t") for line in lines if line)]


@pytest.fixture(scope="session")
def utterances() -> Callable[[str], list[tuple[str, str]]]:
    """Reader of the labelled sets in tests/data."""
    return _read_utterances


@pytest.fixture(scope="session")
def rules_path() -> Path:
    """The repository's default rules file."""
    return RULES_PATH
