"""Prompt catalogue and rendering, with the real espeak-ng, pydub and sox."""

from __future__ import annotations

import subprocess
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.prompts import prompts
from ivr.domain.prompt_texts import Prompt, PromptError, Text
from ivr.prompts import DEFAULT_CATALOGUE, PromptLibrary, Voice, load_catalogue
from ivr.settings import Settings

REQUIRED = {
    "welcome", "fallback", "no-input", "invalid", "please-wait", "goodbye",
    "transfer-accueil", "speech-invite", "speech-not-understood", "confirm-yes-no-help",
    "voicemail-invite", "callback-offer", "callback-confirm-number", "callback-enter-number",
    "callback-invalid-number", "callback-promised", "technical-problem",
}


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A two-entry catalogue, so rendering tests stay fast."""
    path = tmp_path / "catalogue.yaml"
    path.write_text("welcome: Bonjour.\ngoodbye: >-\n  Merci de votre appel,\n  au revoir.\n")
    return path


@pytest.fixture
def library(tmp_path: Path, catalogue: Path) -> PromptLibrary:
    return PromptLibrary(tmp_path / "sounds", catalogue, tmp_path / "recordings")


def _wav(path: Path) -> tuple[int, int, float]:
    with wave.open(str(path)) as w:
        return w.getframerate(), w.getsampwidth(), w.getnframes() / w.getframerate()


def test_shipped_catalogue_has_every_required_prompt() -> None:
    catalogue = load_catalogue(DEFAULT_CATALOGUE)
    assert set(catalogue) >= REQUIRED
    assert all(text.strip() for text in catalogue.values())
    assert catalogue["fallback"].startswith("Bienvenue à la mairie. Notre serveur vocal")


def test_bad_catalogue_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("Bad_Id: Bonjour\n")
    with pytest.raises(PromptError, match="bad prompt id"):
        load_catalogue(path)
    path.write_text("empty: ''\n")
    with pytest.raises(PromptError, match="no text"):
        load_catalogue(path)


def test_prompt_renders_both_rates(library: PromptLibrary) -> None:
    assert library.sound_for(Prompt("goodbye")) == "townhall/goodbye"
    rate8, width8, seconds8 = _wav(library.sounds_dir / "goodbye.wav")
    rate16, width16, seconds16 = _wav(library.sounds_dir / "goodbye.wav16")
    assert (rate8, width8, rate16, width16) == (8000, 2, 16000, 2)
    assert 0.8 < seconds8 < 4.0  # « Merci de votre appel, au revoir. »
    assert abs(seconds8 - seconds16) < 0.01


def test_unchanged_is_not_rendered_again(library: PromptLibrary, catalogue: Path) -> None:
    assert library.ensure(Prompt("welcome")) is True
    stamp = (library.sounds_dir / "welcome.wav").stat().st_mtime_ns
    assert library.ensure(Prompt("welcome")) is False
    reopened = PromptLibrary(library.sounds_dir, catalogue, library.recordings_dir)
    assert reopened.ensure(Prompt("welcome")) is False  # manifest persisted
    assert (library.sounds_dir / "welcome.wav").stat().st_mtime_ns == stamp
    catalogue.write_text("welcome: Bonjour et bienvenue.\n")
    changed = PromptLibrary(library.sounds_dir, catalogue, library.recordings_dir)
    assert changed.ensure(Prompt("welcome")) is True


def test_recording_overrides_and_is_converted(library: PromptLibrary) -> None:
    library.sound_for(Prompt("welcome"))
    library.recordings_dir.mkdir()
    recording = library.recordings_dir / "welcome.ogg"
    subprocess.run(
        ["sox", "-n", "-r", "44100", "-c", "2", str(recording), "synth", "3.0", "sine", "440"],
        check=True,
    )
    assert library.ensure(Prompt("welcome")) is True
    rate, _, seconds = _wav(library.sounds_dir / "welcome.wav")
    assert rate == 8000 and abs(seconds - 3.0) < 0.05
    with wave.open(str(library.sounds_dir / "welcome.wav16")) as w:
        assert w.getnchannels() == 1 and w.getframerate() == 16000
    assert library.ensure(Prompt("welcome")) is False


def test_text_names_are_stable_and_voice_dependent(library: PromptLibrary, tmp_path: Path) -> None:
    name = library.name_of(Text("Le service urbanisme est fermé."))
    assert name.startswith("t-") and len(name) == 14
    assert library.name_of(Text("Le service  urbanisme\nest fermé.")) == name
    assert library.name_of(Text("Le service état civil est fermé.")) != name
    other = PromptLibrary(tmp_path / "s2", library.catalogue_path, voice=Voice(speed=170))
    assert other.name_of(Text("Le service urbanisme est fermé.")) != name


def test_text_starting_with_dash_is_spoken_not_parsed(library: PromptLibrary) -> None:
    sound = library.sound_for(Text("-v en --help tiret"))
    _, _, seconds = _wav(library.sounds_dir / (sound.split("/")[1] + ".wav"))
    assert seconds > 0.5


def test_unknown_prompt_and_text_of(library: PromptLibrary) -> None:
    assert library.text_of(Prompt("goodbye")) == "Merci de votre appel, au revoir."
    with pytest.raises(PromptError, match="unknown prompt"):
        library.sound_for(Prompt("nope"))


def test_concurrent_renders_of_one_name(library: PromptLibrary) -> None:
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(library.ensure, [Text("Un instant, s'il vous plaît.")] * 4))
    assert done.count(True) == 1
    assert not list(library.sounds_dir.glob(".*tmp"))


def test_build_all_reports(library: PromptLibrary) -> None:
    report = library.build_all(["Tapez 1 pour l'état civil.", "Tapez 1 pour l'état civil.  "])
    assert not report.failed and len(report.rendered) == 3
    assert {"welcome", "goodbye"} < set(report.rendered)
    again = library.build_all(["Tapez 1 pour l'état civil."])
    assert again.rendered == [] and len(again.unchanged) == 3


def test_cli_build_list_say(tmp_path: Path) -> None:
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path / "home"),
                                  "TOWNHALL_RULES": str(tmp_path / "missing.yaml")})
    runner = CliRunner()
    listed = runner.invoke(prompts, ["list"], obj=settings)
    assert listed.exit_code == 0 and "speech-invite" in listed.output
    out = tmp_path / "say.wav"
    said = runner.invoke(prompts, ["say", "--text", "Bonjour", "--out", str(out)], obj=settings)
    assert said.exit_code == 0, said.output
    assert _wav(out)[2] > 0.2
    usage = runner.invoke(prompts, ["say", "--out", str(out)], obj=settings)
    assert usage.exit_code == 2
    built = runner.invoke(prompts, ["build"], obj=settings)
    assert built.exit_code == 0, built.output
    assert f"unchanged=0 failed=0 dir={settings.sounds_dir}" in built.output
    assert (settings.sounds_dir / "speech-invite.wav16").exists()
    again = runner.invoke(prompts, ["build"], obj=settings)
    assert "rendered=0 " in again.output


def test_a_shared_cache_renders_each_sound_once(tmp_path: Path, catalogue: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = PromptLibrary(tmp_path / "one", catalogue, cache_dir=cache)
    assert first.ensure(Prompt("goodbye")) is True
    assert sorted(p.suffix for p in cache.iterdir()) == [".wav", ".wav16"]

    def no_espeak(*args: object) -> None:
        raise AssertionError("rendered again despite the cache")

    monkeypatch.setattr("ivr.prompts.synthesise", no_espeak)
    second = PromptLibrary(tmp_path / "two", catalogue, cache_dir=cache)
    assert second.sound_for(Prompt("goodbye")) == "townhall/goodbye"
    for ext in ("wav", "wav16"):
        assert (second.sounds_dir / f"goodbye.{ext}").read_bytes() == (
            first.sounds_dir / f"goodbye.{ext}").read_bytes()
    assert second.ensure(Prompt("goodbye")) is False  # recorded in its own manifest
    with pytest.raises(AssertionError, match="rendered again"):  # another text: no cache
        second.ensure(Prompt("welcome"))


def test_a_piece_is_rendered_without_the_pause_after_it(library: PromptLibrary) -> None:
    whole, piece = Text("jeudi"), Text("jeudi", piece=True)
    assert library.name_of(whole) != library.name_of(piece)
    report = library.build_all([whole, piece, "jeudi"])
    assert report.ready[piece] == library.sound_for(piece)  # the name a call will play
    lengths = [_wav(library.sounds_dir / f"{library.name_of(t)}.wav")[2] for t in (whole, piece)]
    assert lengths[1] < lengths[0] - 0.15, lengths  # espeak-ng's ~0.3 s pause cut to 60 ms
