"""How long a French sentence lasts when the IVR says it: a pure estimate from its text.

Callers hold long menus against phone services, so ``townhall-ivr rules show`` prints
each menu's spoken length and a rules test keeps the main menu under 15 seconds. The
two rates were fitted once (least squares) on sixteen espeak-ng renders — the menus
before and after they were shortened and five messages — with the prompts' default
voice (``fr+f3``, 150 words a minute): 18.3 characters a second plus 0.6 s at each
full stop. On the menus the estimate is within 0.6 s of the render (the main menu:
14.7 s estimated, 14.8 s rendered; the old one 34.4 s, 35.6 s rendered).
"""

from __future__ import annotations

import re

CHARACTERS_PER_SECOND = 18.3  # espeak-ng, French, at the calibration speed
SENTENCE_PAUSE = 0.6  # seconds of silence after each full stop
CALIBRATION_SPEED = 150  # words per minute of the calibration renders
MAIN_MENU_LIMIT = 15.0  # seconds: beyond this the main menu is too long to follow
MAX_SPOKEN_CHOICES = 5  # per menu level

_SENTENCE_END = re.compile(r"[.!?…](\s|$)")


def spoken_seconds(text: str, speed: int = CALIBRATION_SPEED) -> float:
    """Estimated seconds to say ``text`` at ``speed`` words per minute."""
    flat = " ".join(text.split())
    speech = len(flat) / CHARACTERS_PER_SECOND * CALIBRATION_SPEED / speed
    return speech + SENTENCE_PAUSE * len(_SENTENCE_END.findall(flat))
