"""The benchmark's plain-dialplan baseline menu (``bench.native``), without Asterisk.

This folder has no ``__init__.py``: the benchmark's own tests are not installed with it.
"""

from __future__ import annotations

from bench.native import NativeMenu, render_native


def test_native_menu_plays_the_sounds_then_queues() -> None:
    menu = NativeMenu({"1": "etat-civil", "2": "urbanisme"}, ("townhall/welcome", "townhall/m"),
                      {"1": ("townhall/t-1",)})
    extensions = render_native(menu)
    inbound = extensions.split("[townhall-inbound](+)")[1].split("\n[")[0]
    assert "exten => native,1,Goto(townhall-native,s,1)" in inbound
    assert "Background(townhall/welcome&townhall/m)" in extensions
    assert "exten => 1,1,Playback(townhall/t-1)\n same => n,Goto(townhall-queue,etat-civil,1)" \
        in extensions
    assert "exten => 2,1,NoOp(no announcement)\n same => n,Goto(townhall-queue,urbanisme,1)" \
        in extensions
    assert "[townhall-native]" in extensions
