"""The shipped routing_rules.yaml: valid, complete, and shaped as callers need."""

from __future__ import annotations

from ivr.domain.spoken_length import MAIN_MENU_LIMIT, MAX_SPOKEN_CHOICES, spoken_seconds
from ivr.rules import Rules, load_rules
from ivr.rules.schema import Menu, MenuOption
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
    assert "hours" in {option.action for option in main.options.values()}
    assert "request_status" in {option.action for option in main.options.values()}
    assert main.all_options()["0"].action == "operator"
    assert rules.input.fallback_target == "accueil"
    for menu in rules.menus.values():
        assert sum(d.isdigit() and d not in "09" for d in menu.options) <= 6


def test_menus_are_short_the_main_one_under_fifteen_seconds() -> None:
    rules = _rules()
    main = rules.menus[rules.main_menu]
    assert spoken_seconds(main.spoken_text()) < MAIN_MENU_LIMIT
    assert main.stay_on_line and "restez en ligne" in main.spoken_text()
    for menu_id, menu in rules.menus.items():
        assert len(menu.spoken_options()) <= MAX_SPOKEN_CHOICES, menu_id
        assert spoken_seconds(menu.spoken_text()) < 2 * MAIN_MENU_LIMIT, menu_id


def test_the_old_main_menu_was_measured_long() -> None:
    """The estimate against the espeak-ng render it was calibrated on (35.6 s)."""
    old = Menu(options={str(n): MenuOption(label="x" * 40, target="accueil")
                        for n in range(1, 8)})
    assert 30 < spoken_seconds(old.spoken_text()) < 45


def test_every_department_is_reachable_by_keypad() -> None:
    rules = _rules()
    reached = {o.target for m in rules.menus.values() for o in m.options.values()}
    assert TARGETS - reached == {"accueil", "horaires"}  # by the 0 and hours actions


def test_calendar_examples_do_not_disturb_tests() -> None:
    calendar = _rules().calendar
    assert calendar.public_holidays
    dates = [c.date or c.start for c in calendar.closures] + [s.date for s in calendar.special_days]
    assert dates and all(d is not None and d.year >= 2027 for d in dates)
