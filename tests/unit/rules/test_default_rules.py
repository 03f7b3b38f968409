"""The shipped routing_rules.yaml: valid, complete, and shaped as callers need."""

from __future__ import annotations

from ivr.rules import Rules, load_rules
from tests.fixtures.rules import DEFAULT_RULES

TARGETS = {
    "accueil", "etat-civil", "titres-identite", "elections", "urbanisme", "scolaire",
    "petite-enfance", "social", "technique", "police-municipale", "cabinet-maire",
    "vie-locale", "reclamations", "horaires",
}


def _rules() -> Rules:
    return load_rules(DEFAULT_RULES)


def test_default_file_has_every_routing_target() -> None:
    assert set(_rules().departments) == TARGETS


def test_every_target_has_a_speech_vocabulary() -> None:
    # the intent matcher's owner tunes the sizes; every target must have some
    for target, dept in _rules().departments.items():
        assert len(dept.speech.keywords) >= 8, target
        assert len(dept.speech.examples) >= 3, target


def test_every_staffed_department_has_an_agent_and_hours() -> None:
    rules = _rules()
    for target, dept in rules.departments.items():
        if not dept.answered_by_ivr:
            assert rules.queue_members(target), target
            assert rules.weekly_hours(target) is not None, target
    assert all(agent.contact is None for agent in rules.agents.values())


def test_one_then_a_digit_reaches_a_department() -> None:
    rules = _rules()
    first = rules.menus[rules.main_menu].options["1"]
    assert first.menu is not None
    sub = rules.menus[first.menu]
    assert sub.options["1"].target in rules.departments


def test_main_menu_conventions() -> None:
    rules = _rules()
    main = rules.menus[rules.main_menu]
    assert main.options["9"].action == "hours"
    assert main.all_options()["0"].action == "operator"
    assert rules.input.fallback_target == "accueil"
    for menu in rules.menus.values():
        assert sum(d.isdigit() and d not in "09" for d in menu.options) <= 6


def test_every_department_is_reachable_by_keypad() -> None:
    rules = _rules()
    reached = {o.target for m in rules.menus.values() for o in m.options.values()}
    assert TARGETS - reached == {"accueil", "horaires"}  # by the 0 and 9 actions


def test_calendar_examples_do_not_disturb_tests() -> None:
    calendar = _rules().calendar
    assert calendar.public_holidays
    dates = [c.date or c.start for c in calendar.closures] + [s.date for s in calendar.special_days]
    assert dates and all(d is not None and d.year >= 2027 for d in dates)
