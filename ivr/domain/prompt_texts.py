"""What the IVR says, as data: catalogue entries, free texts, the rules' sentences.

Pure: the catalogue arrives already read (``ivr.prompts`` reads the YAML files and
renders the sounds), so the call flow and the admin name prompts without pulling in
espeak-ng or ffmpeg.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivr.rules import Rules

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class PromptError(Exception):
    """A prompt cannot be found or rendered."""


@dataclass(frozen=True)
class Prompt:
    """A catalogue entry, named by its id."""

    id: str


@dataclass(frozen=True)
class Text:
    """Free French text (from the rules or built at run time).

    A ``piece`` is part of a sentence said from several sounds (« mise à jour le » +
    « jeudi » + « 3 »): it is rendered without the pause espeak-ng puts after every
    text, so the sentence does not stumble between its pieces.
    """

    text: str
    piece: bool = False


Item = Prompt | Text


@dataclass(frozen=True)
class Recording:
    """The caller's own recording (``VoiceRecorded.name``), played back as recorded:
    nothing to synthesise, so it is no ``Item`` of the prompt library."""

    name: str

    @property
    def media(self) -> str:
        """What Asterisk plays: the stored recording of that name."""
        return f"recording:{self.name}"


def normalise(text: str) -> str:
    """Collapse whitespace so YAML folding or indentation never changes a name."""
    return " ".join(text.split())


def check_catalogue(data: Any, source: str) -> dict[str, str]:
    """Validate a catalogue read from ``source`` (ids well formed, texts non-empty)."""
    data = data or {}
    if not isinstance(data, dict):
        raise PromptError(f"{source}: expected a mapping of prompt id to text")
    catalogue: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not _ID.match(key):
            raise PromptError(f"{source}: bad prompt id {key!r} (use lowercase-with-dashes)")
        if not isinstance(value, str) or not value.strip():
            raise PromptError(f"{source}: prompt {key!r} has no text")
        catalogue[key] = normalise(value)
    return catalogue


def rules_texts(rules: Rules) -> list[str]:
    """What the rules make the IVR say that can be rendered ahead of calls.

    Messages with placeholders (« … {spoken_name}. ») are rendered once per department
    for ``transfer``; the others (closed-hours sentences with a date) on demand.
    """
    texts = [v for v in rules.messages.model_dump().values() if "{" not in v]
    texts += [menu.spoken_text() for menu in rules.menus.values()]
    texts += [rules.messages.transfer.format(spoken_name=dept.spoken_name)
              for dept in rules.departments.values() if not dept.answered_by_ivr]
    return texts
