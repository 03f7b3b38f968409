"""Files the program reads at run time that ship inside the package, found in one place.

``ivr/data/`` holds the Asterisk templates (``dialplans/``), the prompt catalogue
(``prompts/``), the default ``routing_rules.yaml`` and the systemd units. In a checkout
the first three are links to the top-level folders contributors edit; a wheel carries
copies, so an installed program never reads the checkout. Writable data (recordings,
edited texts, rules in use) lives under the instance's home or ``/etc``, never here.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped(*parts: str) -> Path:
    """The path of a file or folder under ``ivr/data/`` of the installed package."""
    base = files("ivr")
    if not isinstance(base, Path):  # a zipped install: the templates need real files
        raise RuntimeError("townhall-ivr doit être installé en fichiers (pas en zip)")
    return base.joinpath("data", *parts)


DIALPLANS_DIR = shipped("dialplans")
PROMPTS_DIR = shipped("prompts")
DEFAULT_RULES = shipped("routing_rules.yaml")
