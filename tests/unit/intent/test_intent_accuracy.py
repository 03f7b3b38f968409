"""Top-1 accuracy floors of the shipped rules on the labelled utterances."""

from collections.abc import Callable

import pytest

from ivr.domain.intent import APPOINTMENT, CALLBACK, IntentMatcher

Reader = Callable[[str], list[tuple[str, str]]]

SETS = [("utterances_dev.tsv", 0.97, 200), ("utterances_heldout.tsv", 0.95, 120)]


@pytest.mark.parametrize(("name", "floor", "_size"), SETS)
def test_accuracy_floor(
    rules_matcher: IntentMatcher, utterances: Reader, name: str, floor: float, _size: int
) -> None:
    rows = utterances(name)
    misses = [
        (gold, text, got)
        for gold, text in rows
        if (got := rules_matcher.match(text).target) != gold
    ]
    assert 1 - len(misses) / len(rows) >= floor, misses


@pytest.mark.parametrize(("name", "_floor", "size"), SETS)
def test_sets_cover_every_target(
    rules_matcher: IntentMatcher, utterances: Reader, name: str, _floor: float, size: int
) -> None:
    rows = utterances(name)
    assert len(rows) >= size
    assert {gold for gold, _ in rows} == set(rules_matcher.targets) | {CALLBACK}
    assert APPOINTMENT in rules_matcher.targets  # the shipped rules declare calendars


def test_held_out_shares_no_sentence_with_dev(utterances: Reader) -> None:
    dev = {text for _, text in utterances("utterances_dev.tsv")}
    held_out = {text for _, text in utterances("utterances_heldout.tsv")}
    assert not dev & held_out
