"""What a keypad digit means in a menu: a pure decision from the rules."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from ivr.rules import Rules

Kind = Literal["target", "menu", "repeat", "operator", "hours", "back", "callback", "appointment",
               "complaint", "suggestion", "subscriptions", "request_status", "document_request",
               "procedure", "invalid", "alert_launch"]


@dataclass(frozen=True)
class Choice:
    """The meaning of one digit: a kind and, for targets and menus, its id."""

    kind: Kind
    value: str | None = None


def choose(rules: Rules, menu_id: str, digit: str, parent: str | None) -> Choice:
    """Decide what ``digit`` does in ``menu_id``.

    ``*`` repeats and ``0`` reaches a person on every menu unless the rules give those
    keys another meaning; ``back`` needs a parent menu.
    """
    option = rules.menus[menu_id].options.get(digit)
    if option is None:
        return {"*": Choice("repeat"), "0": Choice("operator")}.get(digit, Choice("invalid"))
    if option.target is not None:
        return Choice("target", option.target)
    if option.menu is not None:
        return Choice("menu", option.menu)
    if option.action == "back":
        return Choice("menu", parent) if parent else Choice("repeat")
    return Choice(option.action)  # type: ignore[arg-type]


def reachable(rules: Rules, menus: tuple[str, ...]) -> bool:
    """Whether the rules still lead from the main menu through ``menus``, a sub-menu
    and its parents (a resumed call's: the rules may have changed meanwhile)."""
    if len(menus) < 2 or menus[0] != rules.main_menu:
        return False
    for parent, child in pairwise(menus):
        menu = rules.menus.get(parent)
        if menu is None or child not in {opt.menu for opt in menu.options.values()}:
            return False
    return True
