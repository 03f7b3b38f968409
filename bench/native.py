"""The benchmark's baseline: the keypad main menu in plain dialplan, no ARI.

Callers dial ``native`` and hear what the application says (its welcome and menu
sounds, then the transfer announcement of their choice) before the same department
queue, so the load benchmark compares the application with the cheapest equivalent.
Production never has this menu: the benchmark appends it to its own instance's
``extensions.conf`` (``[context](+)`` adds to a context the template rendered).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ivr.asterisk.process import AsteriskInstance
from ivr.domain.prompt_texts import Recording
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.session import CallSession
from ivr.prompts import PromptLibrary
from ivr.rules import Rules

NATIVE_NUMBER = "native"
WAIT_SECONDS = 5  # WaitExten after the menu, then the accueil


@dataclass(frozen=True)
class NativeMenu:
    """The main menu's direct department choices and the sounds the application plays."""

    choices: dict[str, str] = field(default_factory=dict)  # digit → queue
    prompt: tuple[str, ...] = ()  # sounds of the welcome and the menu
    announce: dict[str, tuple[str, ...]] = field(default_factory=dict)  # digit → sounds


def native_menu(rules: Rules, library: PromptLibrary, at: datetime) -> NativeMenu:
    """Drive a session (at ``at``) to collect the sounds of the welcome and menu, and of
    the announcement of each direct department choice."""
    def sounds(commands: list[c.Command]) -> tuple[str, ...]:
        return tuple(item.media if isinstance(item, Recording) else library.sound_for(item)
                     for cmd in commands if isinstance(cmd, c.Play) for item in cmd.items)

    def started() -> tuple[CallSession, list[c.Command]]:
        session = CallSession("native", rules)  # no intent matcher: the keypad menu
        return session, session.handle(e.CallStarted(at, None, None))

    choices: dict[str, str] = {}
    announce: dict[str, tuple[str, ...]] = {}
    for digit, opt in rules.menus[rules.main_menu].all_options().items():
        if opt.target and not rules.departments[opt.target].answered_by_ivr:
            session, _ = started()
            choices[digit], announce[digit] = opt.target, sounds(session.handle(e.Dtmf(at, digit)))
    return NativeMenu(choices, sounds(started()[1]), announce)


def render_native(menu: NativeMenu) -> str:
    """The dialplan of ``menu``: reached by dialling ``native`` in the inbound context."""
    lines = ["", "[townhall-inbound](+)",
             f"exten => {NATIVE_NUMBER},1,Goto(townhall-native,s,1)", "",
             "[townhall-native]",
             "exten => s,1,Set(CHANNEL(language)=fr)",
             " same => n,Answer()",
             " same => n,Set(TIMEOUT(digit)=3)",
             f" same => n(menu),Background({'&'.join(menu.prompt) or 'silence/1'})",
             f" same => n,WaitExten({WAIT_SECONDS})"]
    for digit, queue in menu.choices.items():
        sounds = "&".join(menu.announce.get(digit, ()))
        first = f"Playback({sounds})" if sounds else "NoOp(no announcement)"
        lines += [f"exten => {digit},1,{first}", f" same => n,Goto(townhall-queue,{queue},1)"]
    lines += ["exten => i,1,Playback(townhall/invalid)", " same => n,Goto(s,menu)",
              "exten => t,1,Goto(townhall-queue,accueil,1)", ""]
    return "\n".join(lines)


def add_native_menu(instance: AsteriskInstance, rules: Rules, at: datetime) -> None:
    """Append the baseline menu to the instance's rendered dialplan (before it starts)."""
    menu = native_menu(rules, PromptLibrary(instance.sounds_dir), at)
    path = instance.layout.dir("etc") / "extensions.conf"
    path.write_text(path.read_text() + render_native(menu))
