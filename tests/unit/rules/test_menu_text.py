"""The French sentence generated from a menu's options."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ivr.rules import Menu, MenuOption


def _menu(**options: MenuOption) -> Menu:
    return Menu(intro="Bienvenue.", options={k.removeprefix("d"): v for k, v in options.items()})


def test_options_are_spoken_in_key_order_with_builtins() -> None:
    menu = _menu(d2=MenuOption(label="l'école", target="scolaire"),
                 d1=MenuOption(label="l'état civil", target="etat-civil"))
    assert menu.spoken_text() == (
        "Bienvenue. Pour l'état civil, tapez 1. Pour l'école, tapez 2. "
        "Pour parler à un conseiller de l'accueil, tapez 0. "
        "Pour réécouter ce message, tapez étoile."
    )


def test_a_menu_may_redefine_zero_and_names_pound() -> None:
    menu = Menu(options={"0": MenuOption(label="la mairie annexe", target="annexe"),
                         "#": MenuOption(label="revenir au menu principal", action="back")})
    text = menu.spoken_text()
    assert text.startswith("Pour la mairie annexe, tapez 0. Pour revenir au menu principal, "
                           "tapez dièse.")
    assert text.endswith("Pour réécouter ce message, tapez étoile.")
    assert "conseiller" not in text


def test_menus_are_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        _menu().intro = "autre"  # type: ignore[misc]
