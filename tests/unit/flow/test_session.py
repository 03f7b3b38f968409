"""The call flow driven by events, without Asterisk: what the caller hears and where
the call goes, for keypad menus, retries, hours and hang-ups."""

from __future__ import annotations

import logging
import typing
from datetime import datetime

import pytest

from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.session import HANDLERS, Stage
from tests.fixtures.flow import PARIS, SUNDAY_10H, Call, of, records, said


def test_welcome_answers_records_and_says_the_menu() -> None:
    call = Call()
    out = call.start()
    assert isinstance(out[0], c.StartContact)
    assert out[0].caller == "0612345678" and out[0].ref == "ref-1"
    assert of(c.Answer, out)
    assert said(out).startswith("Bienvenue. Menu principal. Pour les démarches, tapez 1.")
    assert call.session.stage is Stage.MENU
    assert of(c.StartTimer, call.prompt_done())[0].seconds == 5


def test_digit_to_open_department_announces_then_queues() -> None:
    call = Call(at=datetime(2026, 12, 2, 10, 0, tzinfo=PARIS))  # Wednesday: scolaire open
    call.start()
    out = call.digit("2")
    assert "Je vous mets en relation avec le service scolaire." in said(out)
    assert records(out, c.UpdateContact)[0] == {"target": "scolaire", "routed_by": "dtmf",
                                                 "menu_path": "2"}
    done = call.prompt_done()
    assert of(c.ToQueue, done) == [c.ToQueue("scolaire")]
    assert call.session.stage is Stage.DONE


def test_each_transition_is_logged_with_the_call(caplog: pytest.LogCaptureFixture) -> None:
    call = Call(at=datetime(2026, 12, 2, 10, 0, tzinfo=PARIS))
    with caplog.at_level(logging.INFO, "ivr.flow.session"):
        call.start()
        call.digit("2")
    assert [r.getMessage() for r in caplog.records] == ["welcome -> CallStarted -> menu",
                                                        "menu -> Dtmf -> announce"]
    assert {r.call for r in caplog.records} == {"call-1"}  # type: ignore[attr-defined]


def test_each_handler_of_the_table_takes_the_event_it_is_listed_for() -> None:
    """mypy cannot see through the table: a handler filed under the wrong event
    would only fail on a call."""
    for (stage, event_type), handler in HANDLERS.items():
        assert typing.get_type_hints(handler)["ev"] is event_type, (stage, handler)
        assert handler.__name__.startswith(f"_{stage.value}_"), (stage, handler)


def test_submenu_path_and_back() -> None:
    call = Call()
    call.start()
    assert "Pour l'état civil, tapez 1." in said(call.digit("1"))
    assert "Menu principal." in said(call.digit("8"))  # back
    call.digit("1")
    out = call.digit("1")
    assert records(out, c.UpdateContact)[0]["menu_path"] == "1>8>1>1"
    assert of(c.ToQueue, call.prompt_done()) == [c.ToQueue("etat-civil")]


@pytest.mark.parametrize("fail", ["digit", "timer"])
def test_two_reprompts_then_a_person(fail: str) -> None:
    call = Call()
    call.start()
    wrong = (lambda: call.digit("#")) if fail == "digit" else call.timer
    expected = "Choix invalide." if fail == "digit" else "Je n'ai rien entendu."
    for _ in range(2):
        out = wrong()
        assert said(out).startswith(expected) and "Menu principal." in said(out)
        assert not of(c.ToQueue, out)
    out = wrong()
    assert records(out, c.UpdateContact)[0]["routed_by"] == "default"
    assert records(out, c.UpdateContact)[0]["target"] == "accueil"
    assert of(c.ToQueue, call.prompt_done()) == [c.ToQueue("accueil")]


def test_star_repeats_and_zero_reaches_a_person() -> None:
    call = Call()
    call.start()
    assert "Menu principal." in said(call.digit("*"))
    call.digit("0")
    assert of(c.ToQueue, call.prompt_done()) == [c.ToQueue("accueil")]


def test_closed_department_gives_next_opening_then_voicemail() -> None:
    call = Call(at=SUNDAY_10H)
    out = call.start()
    assert "l'accueil est fermé. Réouverture demain à 8 heures 30." in said(out)
    out = call.digit("1")
    out = call.digit("1")
    assert "le service de l'état civil est fermé. Réouverture demain à 8 heures 30." in said(out)
    assert records(out, c.UpdateContact)[0]["routed_by"] == "closed"
    assert "tapez 1. Pour laisser un message, tapez 2." in said(call.prompt_done())
    done = call.digit("2")  # no callback, thanks: the usual closed path
    assert of(c.ToVoicemail, done) == [c.ToVoicemail("etat-civil")]
    assert records(done, c.FinishContact) == [{"outcome": "voicemail"}]


def test_closed_with_message_says_goodbye_and_hangs_up() -> None:
    call = Call()  # Tuesday: scolaire opens on Wednesdays only
    call.start()
    out = call.digit("2")
    assert "le service scolaire est fermé. Réouverture demain à 8 heures 30." in said(out)
    assert "Pour terminer l'appel, tapez 2." in said(call.prompt_done())
    done = call.digit("2")
    assert of(c.Hangup, done) and records(done, c.FinishContact) == [{"outcome": "closed"}]


def test_closed_department_redirects_to_its_open_alternative() -> None:
    call = Call()  # Tuesday: urbanisme closed, its calls go to the open accueil
    call.start()
    call.digit("1")
    out = call.digit("2")
    assert records(out, c.UpdateContact)[0]["target"] == "accueil"
    assert of(c.ToQueue, call.prompt_done()) == [c.ToQueue("accueil")]


def test_public_holiday_is_closed() -> None:
    call = Call(at=datetime(2027, 5, 1, 10, 0, tzinfo=PARIS))  # 1 May, a Saturday
    call.start()
    call.digit("1")
    out = call.digit("1")
    assert "est fermé. Réouverture lundi 3 mai à 8 heures 30." in said(out)


def test_hours_are_answered_by_the_ivr_then_back_to_menu() -> None:
    call = Call()
    call.start()
    out = call.digit("9")
    assert not of(c.ToQueue, out) and call.session.stage is Stage.MENU
    assert "lundi" in said(out) and "Menu principal." in said(out)


def test_hang_up_in_menu_records_the_stage() -> None:
    call = Call()
    call.start()
    call.digit("1")
    out = call.send(e.HungUp)
    assert records(out, c.FinishContact) == [{"outcome": "abandoned_menu",
                                               "hangup_stage": "menu:demarches",
                                               "menu_path": "1"}]
    assert call.session.handle(e.Dtmf(call.at, "1")) == []


def test_stale_prompt_end_and_timer_are_ignored() -> None:
    call = Call()
    call.start()
    old = call.session.token
    call.digit("1")
    assert call.session.handle(e.PlaybackDone(call.at, old)) == []
    assert call.session.handle(e.TimerFired(call.at, old)) == []


def test_a_call_being_put_through_remembers_its_target_and_a_resumed_one_goes_on() -> None:
    call = Call()
    call.start()
    call.digit("1")
    assert of(c.Remember, call.digit("1")) == [c.Remember("target", "etat-civil")]
    resumed = Call()
    out = resumed.send(e.CallResumed, resumed.at, "0612345678", "3000", None, True,
                       "etat-civil")
    assert records(out, c.ContactEvent) == [{"kind": "resumed", "target": "etat-civil"}]
    assert "Menu principal." not in said(out) and "Je vous mets en relation" in said(out)
    assert of(c.ToQueue, resumed.prompt_done()) == [c.ToQueue("etat-civil")]


def test_a_call_in_a_sub_menu_remembers_it_and_a_resumed_one_is_back_there() -> None:
    call = Call()
    call.start()
    entered = call.digit("1")
    assert of(c.Remember, entered) == [c.Remember("menu", "principal/demarches")]
    kinds = [type(cmd) for cmd in entered]  # kept once the menu's prompt stopped
    assert kinds.index(c.StopPlayback) < kinds.index(c.Remember) < kinds.index(c.Play)
    assert of(c.Remember, call.digit("8")) == [c.Remember("menu", "principal")]
    resumed = Call()
    out = resumed.send(e.CallResumed, resumed.at, "0612345678", "3000", None, True, None,
                       ("principal", "demarches"))
    assert records(out, c.ContactEvent) == [{"kind": "resumed", "menu": "demarches"}]
    assert "Menu principal." not in said(out) and "l'état civil" in said(out)
    assert records(resumed.digit("1"), c.UpdateContact)[0]["target"] == "etat-civil"
    back = Call()  # « revenir » still leads to the main menu
    back.send(e.CallResumed, back.at, None, "3000", None, True, None, ("principal", "demarches"))
    assert "Menu principal." in said(back.digit("8"))


@pytest.mark.parametrize("menus", [("principal", "nulle-part"), ("demarches",),
                                   ("autre", "demarches"), ("principal",)])
def test_a_resumed_call_whose_menus_no_longer_lead_there_gets_the_main_menu(
        menus: tuple[str, ...]) -> None:
    call = Call()
    out = call.send(e.CallResumed, call.at, None, "3000", None, True, None, menus)
    assert records(out, c.ContactEvent) == [{"kind": "resumed"}] and "Menu principal." in said(out)


def test_a_call_resumed_before_it_was_answered_is_answered_first() -> None:
    call = Call()
    out = call.send(e.CallResumed, call.at, None, "3000", None, False)
    kinds = [type(cmd) for cmd in out]
    assert c.Answer in kinds and kinds.index(c.Answer) < kinds.index(c.Play)
    assert records(out, c.StartContact) == [{"caller": None, "called": "3000", "ref": None}]


def test_a_flood_of_keys_ends_with_a_person_not_a_loop() -> None:
    call = Call()
    call.start()
    outs = [call.digit("#") for _ in range(20)]
    routed = [o for o in outs if records(o, c.UpdateContact)]
    assert len(routed) == 1 and records(routed[0], c.UpdateContact)[0]["target"] == "accueil"


def test_a_resumed_call_apologises_and_offers_the_main_menu() -> None:
    call = Call()
    started = call.at
    out = call.send(e.CallResumed, started, "0612345678", "3000", "ref-1")
    # recorded again from Asterisk's facts: the same values if it had been recorded
    assert records(out, c.StartContact) == [
        {"caller": "0612345678", "called": "3000", "ref": "ref-1"}]
    assert of(c.StartContact, out)[0].at == started
    assert not of(c.Answer, out)  # answered before the restart
    assert records(out, c.ContactEvent) == [{"kind": "resumed"}]
    assert "Menu principal." in said(out) and call.session.stage is Stage.MENU
    call.digit("1")
    call.digit("1")
    assert of(c.ToQueue, call.prompt_done()) == [c.ToQueue("etat-civil")]
