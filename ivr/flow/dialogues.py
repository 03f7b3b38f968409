"""Which dialogue each menu action opens: one line per dialogue in ``DIALOGUES``.

A new dialogue of the round (a request's status, a document request, a booking, the
subscriptions, a complaint…) is its own module like ``ivr.flow.callback_offer``; its
menu action is declared in the rules' schema (``Action``) and in ``ivr.flow.menu``
(``Kind``), and mapped here to the function that opens it. The session needs no change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ivr.flow.alert_launch import AlertLaunchDialogue
from ivr.flow.appointment import open_appointment
from ivr.flow.complaint import VoiceRequestDialogue
from ivr.flow.dialogue import Dialogue
from ivr.flow.document_request import DocumentRequestDialogue
from ivr.flow.procedures import ProcedureAnswer
from ivr.flow.request_status import RequestStatusDialogue
from ivr.flow.subscriptions import SubscriptionsDialogue
from ivr.rules import Rules
from ivr.rules.schema import MenuOption


@dataclass(frozen=True)
class Opening:
    """What a dialogue knows when it opens: the call's rules and caller ID, the instant,
    and the menu option that opened it (whose fields may parameterise it)."""

    rules: Rules
    call_id: str
    caller: str | None
    at: datetime
    option: MenuOption | None = None


DialogueFactory = Callable[[Opening], Dialogue]

DIALOGUES: dict[str, DialogueFactory] = {
    "appointment": open_appointment,
    # référentiel Marianne: a complaint or a suggestion recorded, then a callback promised
    "complaint": lambda o: VoiceRequestDialogue(o.rules, o.call_id, o.caller, "reclamation"),
    "suggestion": lambda o: VoiceRequestDialogue(o.rules, o.call_id, o.caller, "suggestion"),
    "subscriptions": lambda o: SubscriptionsDialogue(o.rules, o.call_id, o.caller),
    "request_status": lambda o: RequestStatusDialogue(o.rules, o.call_id, o.caller),
    "document_request": lambda o: DocumentRequestDialogue(o.rules, o.call_id, o.caller),
    "procedure": lambda o: ProcedureAnswer(o.rules, (o.option and o.option.topic) or "",
                                           o.caller, o.call_id),
    # flood alerts: the crisis line (rules' crisis_line.numbers) or a menu option
    "alert_launch": lambda o: AlertLaunchDialogue(o.call_id, o.caller),
}
