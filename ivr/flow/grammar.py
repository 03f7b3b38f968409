"""What the session expects the caller to say next, as the recogniser's phrase list.

Pure: the session puts the list in its ``StartSpeech`` command, so the speech adapter
only passes it on and never needs to know which stage the call is in.
"""

from __future__ import annotations

from typing import Literal

from ivr.domain.intent import NO_PHRASES, YES_PHRASES
from ivr.rules import Rules

Expect = Literal["intent", "yes_no"]


def phrases(rules: Rules, expect: Expect) -> tuple[str, ...] | None:
    """None means free speech; in grammar mode, the departments' keywords and the
    self-service intents' keywords and cues (unheard, « est-elle prête » could not turn
    « carte d'identité » into a status question), plus the yes/no words when the
    session asks for a confirmation."""
    if rules.speech.mode != "grammar":
        return None
    words = {kw for dept in rules.departments.values() for kw in dept.speech.keywords}
    words.update(kw for intent in rules.self_service.intents.values()
                 for kw in (*intent.speech.keywords, *intent.speech.cues))
    if expect == "yes_no":
        words.update(YES_PHRASES, NO_PHRASES)
    return tuple(sorted(words))
