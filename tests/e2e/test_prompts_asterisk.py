"""Asterisk 22 itself reads the rendered prompts in both formats (wav and wav16)."""

from __future__ import annotations

import pytest

from ivr.asterisk.process import AsteriskInstance
from ivr.domain.prompt_texts import Prompt
from ivr.prompts import PromptLibrary

pytestmark = pytest.mark.e2e


def test_asterisk_reads_both_rates(asterisk: AsteriskInstance) -> None:
    formats = asterisk.cli("core show file formats")
    assert any(line.split()[:2] == ["slin16", "wav16"] for line in formats.splitlines())
    library = PromptLibrary(asterisk.settings)
    library.sound_for(Prompt("welcome"))
    seconds = {}
    for source, out, rate in (("welcome.wav", "check8.sln", 8000),
                              ("welcome.wav16", "check16.sln16", 16000)):
        done = asterisk.cli(f"file convert townhall/{source} townhall/{out}")
        assert "Converted" in done, done
        seconds[rate] = (library.sounds_dir / out).stat().st_size / (2 * rate)
    assert seconds[8000] > 0.5 and abs(seconds[8000] - seconds[16000]) < 0.01
