"""The appointment dialogue as a pure state machine, then hosted by a call session:
calendar, motive, slots one at a time, booking, a slot taken meanwhile, cancel, move."""

from __future__ import annotations

from datetime import timedelta

from ivr.domain.intent import IntentMatcher
from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Text
from ivr.flow import appointment as a
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.dialogue import Fallback, Finish, Reply
from ivr.flow.queries import Unavailable
from ivr.flow.session import Stage
from tests.fixtures.appointments import MONDAY_9H, paris
from tests.fixtures.flow import Call, of, said
from tests.fixtures.requests import RULES

TUESDAY_14H = paris(2026, 12, 1, 14)
CALLER = "0612345678"


def text(reply: Reply) -> str:
    return " ".join(item.text for item in reply.say if isinstance(item, Text))


def dialogue() -> a.AppointmentDialogue:
    return a.AppointmentDialogue(RULES, "call-1", CALLER)


def to_offer(d: a.AppointmentDialogue) -> Reply:
    """Maire (1), motive « une association » (3), first slot offered."""
    opening = d.start(MONDAY_9H)
    assert "avec monsieur le maire, tapez 1" in text(opening)
    assert "annuler ou déplacer un rendez-vous, tapez 9" in text(opening)
    motives = d.digit("1", MONDAY_9H)
    assert "Pour une association, tapez 3." in text(motives)
    search = d.digit("3", MONDAY_9H)
    assert search.ask == a.FreeSlot(RULES, "maire", MONDAY_9H, None)
    return d.answered(a.Slot(TUESDAY_14H), MONDAY_9H)


def test_slots_are_offered_one_at_a_time_in_natural_french() -> None:
    d = dialogue()
    offer = to_offer(d)
    assert text(offer) == ("mardi 1er décembre à 14 heures. Tapez 1 pour le réserver, "
                           "2 pour le créneau suivant, 3 pour un autre jour.")
    assert offer.listen
    assert d.digit("2", MONDAY_9H).ask == a.FreeSlot(RULES, "maire", MONDAY_9H, TUESDAY_14H)
    d.answered(a.Slot(paris(2026, 12, 1, 14, 30)), MONDAY_9H)
    other_day = d.digit("3", MONDAY_9H).ask
    assert isinstance(other_day, a.FreeSlot)
    assert other_day.after == paris(2026, 12, 1, 23, 59) + timedelta(seconds=59)


def test_booking_reads_the_reference_back_in_pairs_and_finishes() -> None:
    d = dialogue()
    to_offer(d)
    ask = d.digit("1", MONDAY_9H).ask
    assert ask == a.Book(RULES, "maire", "association", TUESDAY_14H, CALLER, "call-1", MONDAY_9H)
    done = d.answered(a.Booked("1234567890", TUESDAY_14H), MONDAY_9H)
    assert "C'est réservé : mardi 1er décembre à 14 heures, avec monsieur le maire." in text(done)
    assert text(done).count("douze, trente-quatre, cinquante-six, soixante-dix-huit, "
                            "quatre-vingt-dix") == 2
    assert done.end == Finish(ContactOutcome.APPOINTMENT, "appointment_booked")
    assert done.commands[0].data["reference"] == "1234567890"


def test_a_slot_taken_meanwhile_offers_the_next_free_one_at_once() -> None:
    d = dialogue()
    to_offer(d)
    d.digit("1", MONDAY_9H)
    again = d.answered(a.Taken(paris(2026, 12, 1, 14, 30)), MONDAY_9H)
    assert text(again).startswith("Ce créneau vient d'être réservé par quelqu'un d'autre. "
                                  "mardi 1er décembre à 14 heures 30.")
    kinds = [cmd.kind for cmd in again.commands if isinstance(cmd, c.ContactEvent)]
    assert kinds == ["appointment_taken", "appointment_offered"]
    assert d.digit("1", MONDAY_9H).ask.start == paris(2026, 12, 1, 14, 30)


def test_no_free_slot_a_refusal_or_the_store_away_lead_to_a_person() -> None:
    for answer in (a.Slot(None), a.Refused("Vous avez déjà 2 rendez-vous."),
                   Unavailable("store")):
        d = dialogue()
        d.start(MONDAY_9H)
        d.digit("1", MONDAY_9H)
        d.digit("1", MONDAY_9H)
        end = d.answered(answer, MONDAY_9H)
        assert isinstance(end.end, Fallback) and text(end)


def test_wrong_keys_are_retried_then_a_person() -> None:
    d = dialogue()
    d.start(MONDAY_9H)
    assert "n'est pas disponible" in text(d.digit("7", MONDAY_9H))
    d.digit("8", MONDAY_9H)
    assert d.digit("7", MONDAY_9H).end == Fallback("gave_up")


def test_cancel_with_the_reference_and_the_caller_s_number() -> None:
    d = dialogue()
    d.start(MONDAY_9H)
    assert "dix chiffres" in text(d.digit("9", MONDAY_9H))
    for digit in "123456789":
        assert d.digit(digit, MONDAY_9H).ask is None
    assert d.digit("0", MONDAY_9H).ask == a.Lookup(RULES, "1234567890", CALLER, MONDAY_9H)
    manage = d.answered(a.Found("1234567890", "maire", TUESDAY_14H), MONDAY_9H)
    assert "Votre rendez-vous du mardi 1er décembre à 14 heures avec monsieur le maire" in \
        text(manage)
    assert d.digit("1", MONDAY_9H).ask == a.Cancel(RULES, "1234567890", CALLER, MONDAY_9H)
    done = d.answered(a.Cancelled(TUESDAY_14H), MONDAY_9H)
    assert "est annulé" in text(done) and done.end == Finish(ContactOutcome.APPOINTMENT,
                                                              "appointment_cancelled")


def test_move_offers_slots_of_the_same_calendar_then_moves() -> None:
    d = dialogue()
    d.start(MONDAY_9H)
    d.digit("9", MONDAY_9H)
    for digit in "1234567890":
        d.digit(digit, MONDAY_9H)
    d.answered(a.Found("1234567890", "titres-identite", TUESDAY_14H), MONDAY_9H)
    assert d.digit("2", MONDAY_9H).ask == a.FreeSlot(RULES, "titres-identite", MONDAY_9H, None)
    d.answered(a.Slot(paris(2026, 12, 2, 9)), MONDAY_9H)
    assert d.digit("1", MONDAY_9H).ask == a.Move(RULES, "1234567890", CALLER, MONDAY_9H,
                                                  paris(2026, 12, 2, 9))
    done = d.answered(a.Booked("1234567890", paris(2026, 12, 2, 9)), MONDAY_9H)
    assert "C'est déplacé : mercredi 2 décembre à 9 heures" in text(done)


def test_the_menu_action_opens_the_dialogue_in_a_call() -> None:
    call = Call(at=MONDAY_9H, rules=RULES)
    call.start()
    call.prompt_done()
    call.digit("5")  # autre chose
    call.digit("3")  # vie municipale
    out = call.digit("2")  # un rendez-vous
    assert call.session.stage is Stage.DIALOGUE
    assert "avec monsieur le maire, tapez 1" in said(out)


def test_saying_rendez_vous_avec_le_maire_opens_the_dialogue() -> None:
    call = Call(at=MONDAY_9H, rules=RULES, matcher=IntentMatcher.from_rules(RULES))
    call.start()
    out = call.send(e.SpeechFinal, "je voudrais un rendez-vous avec le maire")
    assert call.session.stage is Stage.DIALOGUE
    assert of(c.StopSpeech, out) and "avec monsieur le maire, tapez 1" in said(out)


def test_a_withheld_or_unusable_number_is_put_through_to_a_person() -> None:
    for caller, why, words in ((None, "number:hidden", "masqué"),
                               ("anonymous", "number:hidden", "masqué"),
                               ("3900", "number:too_short", "avec ce numéro")):
        reply = a.AppointmentDialogue(RULES, "call-1", caller).start(MONDAY_9H)
        assert words in text(reply) and reply.end == Fallback(why)
        assert reply.commands == (c.ContactEvent(MONDAY_9H, "appointment_not_done",
                                                 {"why": why}),)
